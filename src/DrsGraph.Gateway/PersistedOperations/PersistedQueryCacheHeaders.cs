using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Security;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>
/// Cache headers of a successful GET query, so a CDN (or the browser) can answer repeats of the same URL. The answer
/// depends on the caller's headers, so they are all in <c>Vary</c>; and an answer fetched with a token is
/// <c>private</c>: a shared cache must never serve one tenant's jobs to another.
/// </summary>
public static class PersistedQueryCacheHeaders
{
    /// <summary>
    /// The request headers an answer depends on: content negotiation and every header the caller is read from
    /// (named from <see cref="CallerContextBuilder"/>'s own constants, so a new caller header cannot be missed
    /// here: a CDN must not serve one region's or project's answer for another).
    /// </summary>
    public const string Vary = "Accept, " + CallerContextBuilder.AuthTokenHeader + ", " + CallerContextBuilder.ProjectIdHeader + ", "
        + CallerContextBuilder.LanguageHeader + ", " + CallerContextBuilder.RegionHeader + ", Authorization";

    /// <summary>
    /// <see cref="Vary"/> plus <c>Origin</c>, when CORS is on (<c>Gateway:Security:Cors:AllowedOrigins</c>): the
    /// CORS headers of an answer depend on the request's Origin (none without one, the caller's own with several
    /// allowed), and ASP.NET Core's CORS middleware only adds <c>Vary: Origin</c> to some of them, so a CDN could
    /// serve an answer fetched without an Origin, or for another origin, to a browser that then refuses it.
    /// </summary>
    public const string VaryWithCors = Vary + ", Origin";

    public static void Apply(HttpContext context, TimeSpan maxAge, bool succeeded)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (maxAge <= TimeSpan.Zero)
        {
            return;
        }

        var response = context.Response.Headers;
        var cors = context.RequestServices.GetService<IOptions<GatewaySecurityOptions>>()?.Value.Cors.AllowedOrigins is { Length: > 0 };
        response[HeaderNames.Vary] = cors ? VaryWithCors : Vary;
        if (!succeeded)
        {
            response.CacheControl = "no-store";
            return;
        }

        var request = context.Request.Headers;
        var seconds = (long)maxAge.TotalSeconds;
        var personal = request.ContainsKey("X-Auth-Token") || request.ContainsKey(HeaderNames.Authorization) || request.ContainsKey(HeaderNames.Cookie);
        response.CacheControl = personal ? $"private, max-age={seconds}" : $"public, max-age={seconds}";
    }
}
