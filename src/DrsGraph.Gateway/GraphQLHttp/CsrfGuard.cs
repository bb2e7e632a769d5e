using DrsGraph.Gateway.Callers;
using Microsoft.Net.Http.Headers;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// Cross-site request forgery defence for the GraphQL endpoint.
/// </summary>
/// <remarks>
/// Our callers authenticate with a header token, never a cookie, so a forged request carries no
/// credentials today. We still refuse the requests a hostile page can make a browser send without a
/// CORS preflight (the Fetch spec's "simple" requests: GET, HEAD, or POST with a "simple" content type
/// - text/plain, form-urlencoded, multipart/form-data, or none - and no header a page had to add) when
/// the browser marks them as coming from another site: the moment someone adds cookie auth or a proxy
/// that injects credentials, such requests would run queries as the victim and leak timing or side effects.
/// A request carrying a header outside the CORS safelist cannot have been sent cross-site without a
/// preflight that we control, so it is no forgery: a non-empty <c>GraphQL-Require-Preflight</c> (or
/// Apollo's), one of our caller headers (<c>X-Auth-Token</c>, ...), a bearer <c>Authorization</c>, or a
/// <c>Content-Type</c> other than the simple ones (Apollo Client sends <c>application/json</c> even on
/// its hashed GETs). Only headers a page must set count: ones the browser adds by itself (cookies, cached
/// Basic credentials) or a proxy adds (<c>X-Forwarded-For</c>) prove nothing. Clients that are not
/// browsers (curl, other services, the spec audit) send neither <c>Sec-Fetch-Site</c> nor a foreign
/// <c>Origin</c> and are unaffected.
/// </remarks>
internal static class CsrfGuard
{
    public const string RefusalMessage =
        "This request was refused as a possible cross-site request forgery: a cross-site GET or a POST with a "
        + "simple content type must carry a header that needs a CORS preflight, such as a non-empty 'GraphQL-Require-Preflight'.";

    /// <summary>Headers that only say "preflight me" (GraphQL over HTTP's and Apollo's).</summary>
    internal static readonly string[] PreflightHeaders = ["GraphQL-Require-Preflight", "Apollo-Require-Preflight", "X-Apollo-Operation-Name"];

    /// <summary>The caller's headers: custom, so a page can only send them cross-site after a preflight.</summary>
    internal static readonly string[] CallerHeaders =
        [CallerContextBuilder.AuthTokenHeader, CallerContextBuilder.ProjectIdHeader, CallerContextBuilder.LanguageHeader, CallerContextBuilder.RegionHeader];

    private static readonly string[] SimpleContentTypes = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"];

    public static bool ShouldRefuse(HttpRequest request) =>
        IsSimpleRequest(request) && LooksCrossSite(request);

    private static bool IsSimpleRequest(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsPost(request.Method))
        {
            return false;
        }

        return HasSimpleContentType(request) && !NeedsPreflightHeader(request);
    }

    // The Fetch spec safelists Content-Type only with these three values, whatever the method: a GET that states
    // application/json (Apollo's hashed GETs do) was preflighted. An unparsable one stays simple, to be safe.
    private static bool HasSimpleContentType(HttpRequest request) =>
        string.IsNullOrEmpty(request.ContentType)
        || !MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
        || SimpleContentTypes.Any(t => contentType.MediaType.Equals(t, StringComparison.OrdinalIgnoreCase));

    private static bool NeedsPreflightHeader(HttpRequest request) =>
        PreflightHeaders.Concat(CallerHeaders).Any(h => !string.IsNullOrWhiteSpace(request.Headers[h].ToString()))
        || IsBearer(request.Headers.Authorization.ToString());

    // A browser sends cached Basic (or Digest, Negotiate) credentials by itself, so only a bearer token proves a
    // page set the header; a forged request carrying ambient credentials is exactly what this guard stops.
    private static bool IsBearer(string authorization) =>
        authorization.TrimStart().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

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
}
