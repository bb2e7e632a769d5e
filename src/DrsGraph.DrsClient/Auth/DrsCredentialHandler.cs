using System.Net;
using System.Net.Http.Headers;

namespace DrsGraph.DrsClient.Auth;

/// <summary>
/// Applies the request's <see cref="DrsCredential"/> (set by <see cref="DrsClient"/> from the caller) to each
/// attempt. Registered inside the resilience handler: every retry is signed again with a fresh
/// <c>X-Sdk-Date</c> (or takes a refreshed token), so a retried request never carries a stale one.
/// </summary>
public sealed class DrsCredentialHandler : DelegatingHandler
{
    /// <summary>Where the client puts the caller's credential on the request.</summary>
    public static readonly HttpRequestOptionsKey<DrsCredential> CredentialKey = new("DrsGraph.Credential");

    /// <summary>The upstream code of a call refused because IAM would not issue the gateway's own token.</summary>
    public const string IamRefusedCode = "DRSGRAPH.IAM_REFUSED";

    /// <summary>The body of the 401 that stands for IAM refusing the gateway's credential.</summary>
    internal static readonly byte[] IamRefusedBody =
        System.Text.Encoding.UTF8.GetBytes($$"""{"error_code":"{{IamRefusedCode}}","error_msg":"IAM refused the gateway's credential for this project."}""");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(CredentialKey, out var credential))
        {
            try
            {
                await credential.ApplyAsync(request, cancellationToken);
            }
            catch (IamTokenException ex) when (ex.IsRefusal)
            {
                // The held credential is wrong: answer as DRS would refuse a bad token (401, never retried),
                // so the field fails UNAUTHENTICATED instead of the call counting as an outage.
                return new HttpResponseMessage(HttpStatusCode.Unauthorized)
                {
                    RequestMessage = request,
                    Content = new ByteArrayContent(IamRefusedBody) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
                };
            }
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
