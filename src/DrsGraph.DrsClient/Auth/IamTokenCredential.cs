namespace DrsGraph.DrsClient.Auth;

/// <summary>An IAM token the gateway obtains and refreshes itself (<see cref="IamTokenSource"/>), sent as <c>X-Auth-Token</c>.</summary>
public sealed class IamTokenCredential(IamTokenSource source) : DrsCredential, IDisposable
{
    /// <summary>The source, for its counters.</summary>
    public IamTokenSource Source => source;

    public override string Identity => source.Identity;

    public override async ValueTask PrepareAsync(CancellationToken cancellationToken) => await source.GetTokenAsync(cancellationToken);

    public override async ValueTask ApplyAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = await source.GetTokenAsync(cancellationToken);
        request.Headers.Remove("X-Auth-Token");
        request.Headers.TryAddWithoutValidation("X-Auth-Token", token);
    }

    /// <summary>Disposes the token source it owns.</summary>
    public void Dispose() => source.Dispose();
}
