using Microsoft.Net.Http.Headers;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// Cross-site request forgery defence for the GraphQL endpoint.
/// </summary>
/// <remarks>
/// Our callers authenticate with a header token, never a cookie, so a forged request carries no
/// credentials today. We still refuse the requests a hostile page can make a browser send without a
/// CORS preflight (GET, and POST with a "simple" content type: text/plain, form-urlencoded,
/// multipart/form-data, or none) when the browser marks them as coming from another site: the
/// moment someone adds cookie auth or a proxy that injects credentials, such requests would run
/// queries as the victim and leak timing or side effects. A legitimate cross-site caller adds a
/// non-empty <c>GraphQL-Require-Preflight</c> (or Apollo's) header, which browsers cannot send
/// cross-site without a CORS preflight that we control. Clients that are not browsers (curl, other
/// services, the spec audit) send neither <c>Sec-Fetch-Site</c> nor a foreign <c>Origin</c> and are
/// unaffected. JSON POSTs always need a preflight, so they are not checked.
/// </remarks>
internal static class CsrfGuard
{
    public const string RefusalMessage =
        "This request was refused as a possible cross-site request forgery: a cross-site GET or a POST with a "
        + "simple content type must carry a non-empty 'GraphQL-Require-Preflight' header.";

    private static readonly string[] PreflightHeaders = ["GraphQL-Require-Preflight", "Apollo-Require-Preflight", "X-Apollo-Operation-Name"];

    private static readonly string[] SimpleContentTypes = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"];

    public static bool ShouldRefuse(HttpRequest request) =>
        IsSimpleRequest(request) && LooksCrossSite(request) && !HasPreflightHeader(request);

    private static bool IsSimpleRequest(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            return true;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            return false;
        }

        if (string.IsNullOrEmpty(request.ContentType) || !MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType))
        {
            return true;
        }

        return SimpleContentTypes.Any(t => contentType.MediaType.Equals(t, StringComparison.OrdinalIgnoreCase));
    }

    private static bool LooksCrossSite(HttpRequest request)
    {
        // Browsers compute Sec-Fetch-Site themselves and pages cannot forge it, so when present it decides
        // alone: comparing Origin with our own scheme and host would misfire behind a TLS-terminating proxy.
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0)
        {
            return fetchSite.Equals("cross-site", StringComparison.OrdinalIgnoreCase) || fetchSite.Equals("same-site", StringComparison.OrdinalIgnoreCase);
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return false;
        }

        // "null" is what sandboxed frames and file:// pages send: never our own origin.
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var originUri))
        {
            return true;
        }

        var ownOrigin = $"{request.Scheme}://{request.Host.Value}";
        return !Uri.TryCreate(ownOrigin, UriKind.Absolute, out var ownUri)
            || Uri.Compare(originUri, ownUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0;
    }

    private static bool HasPreflightHeader(HttpRequest request) =>
        PreflightHeaders.Any(h => !string.IsNullOrWhiteSpace(request.Headers[h].ToString()));
}
