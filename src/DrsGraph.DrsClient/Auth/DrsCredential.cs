namespace DrsGraph.DrsClient.Auth;

/// <summary>
/// A credential the gateway holds and applies to each DRS request itself (instead of forwarding a caller's
/// token): an IAM token it obtains, or AK/SK signing. Applied by <see cref="DrsCredentialHandler"/> on every
/// attempt, after the retry strategy, so a retried request gets a fresh signature and date.
/// </summary>
public abstract class DrsCredential
{
    /// <summary>
    /// Who DRS sees, without any secret (e.g. <c>aksk:{access key}</c>, <c>iam:{domain}/{user}@{project}</c>):
    /// the cache partitions by it, so callers sharing a credential share what DRS answered it.
    /// </summary>
    public abstract string Identity { get; }

    /// <summary>
    /// Readies what the attempts will need, before the call enters the DRS pipeline (the gateway's IAM token): its
    /// failures are IAM's (<see cref="IamTokenException"/>), not DRS's, so they count in no DRS retry, attempt timeout
    /// or circuit breaker.
    /// </summary>
    public virtual ValueTask PrepareAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Adds the credential's headers to one attempt of a DRS request.</summary>
    public abstract ValueTask ApplyAsync(HttpRequestMessage request, CancellationToken cancellationToken);

    /// <summary>Keeps secrets out of logs.</summary>
    public override string ToString() => $"{GetType().Name} {{ Identity = {Identity} }}";
}
