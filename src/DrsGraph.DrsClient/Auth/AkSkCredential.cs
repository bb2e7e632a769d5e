namespace DrsGraph.DrsClient.Auth;

/// <summary>An access key / secret key pair: every request is signed (<see cref="SdkHmacSha256Signer"/>), no token needed.</summary>
public sealed class AkSkCredential(string accessKey, string secretKey, TimeProvider time) : DrsCredential
{
    public override string Identity { get; } = "aksk:" + accessKey;

    public override ValueTask ApplyAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        new(SdkHmacSha256Signer.SignAsync(request, accessKey, secretKey, time.GetUtcNow(), cancellationToken));
}
