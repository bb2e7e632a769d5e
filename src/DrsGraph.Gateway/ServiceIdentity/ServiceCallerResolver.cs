using System.Security.Claims;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.Regions;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace DrsGraph.Gateway.ServiceIdentity;

/// <summary>
/// Service identities: the caller's <c>Authorization: Bearer</c> JWT is validated with the JwtBearer scheme's
/// token handler and parameters (issuer, audience, keys, lifetime), its claims are matched against the grants,
/// and the caller becomes the credential the gateway holds for the project. Every refusal happens here, once per
/// operation, before any DRS call. The JWT is read from the caller's headers (a WebSocket's may come from its
/// <c>connection_init</c> payload) and never reaches DRS, a cache key or a log.
/// </summary>
public sealed class ServiceCallerResolver(
    IOptions<ServiceIdentityOptions> options,
    IOptionsMonitor<JwtBearerOptions> jwtOptions,
    ServiceCredentials credentials,
    CallerContextBuilder headers) : ICallerResolver
{
    private const string BearerPrefix = "Bearer ";

    public async ValueTask<CallerContext> ResolveAsync(IHeaderDictionary callerHeaders, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callerHeaders);
        var authorization = callerHeaders.Authorization.ToString().Trim();
        if (!authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || authorization.Length == BearerPrefix.Length)
        {
            return Refused(GatewayErrorCodes.InvalidBearerToken, "An 'Authorization: Bearer <JWT>' header is required.");
        }

        var principal = await ValidateAsync(authorization[BearerPrefix.Length..].Trim());
        if (principal.Problem is { } invalid)
        {
            return new CallerContext(null, invalid);
        }

        var settings = options.Value;
        if (settings.EffectiveRequiredClaims.FirstOrDefault(c => !principal.Identity!.HasClaim(claim => claim.Type == c && claim.Value.Length > 0)) is { } missing)
        {
            return Refused(GatewayErrorCodes.InvalidBearerToken, $"The bearer token lacks the '{missing}' claim.");
        }

        var (project, language, problem, region) = headers.ReadScope(callerHeaders);
        if (problem is not null)
        {
            return new CallerContext(null, problem);
        }

        var identity = principal.Identity!;
        var named = CallerContextBuilder.IsProjectNamed(callerHeaders);
        // The token is accepted until exp plus the skew, as the handler checks it: a subscription ends then (DRS never sees it).
        var validUntil = principal.Expires + settings.ClockSkew;
        var caller = InRegion(settings, identity, region!, project, language, named) with { ValidUntil = validUntil };
        // A field naming another region (its region argument) is decided by the same grants, for that region.
        return caller with
        {
            Rescope = other => InRegion(settings, identity, other, named ? project : other.DefaultProjectId, language, named) with { ValidUntil = validUntil },
        };
    }

    /// <summary>The caller reading <paramref name="project"/> of <paramref name="region"/>: granted and held there, or refused.</summary>
    private CallerContext InRegion(ServiceIdentityOptions settings, ClaimsIdentity identity, DrsRegion region, string project, string? language, bool named)
    {
        // Grants and credentials are per (region, project): a grant for a project in one region opens nothing in another.
        if (!Grants(settings, identity, region, project) || credentials.For(region, project) is not { } credential)
        {
            return Refused(GatewayErrorCodes.ProjectNotAllowed, region.IsDefault
                ? $"This caller may not read project {project}."
                : $"This caller may not read project {project} in region {region.Name}.");
        }

        // No token of the caller's goes upstream: DRS sees the held credential, and caches partition by its identity.
        return new CallerContext(new DrsCaller("", project, language) { Credential = credential, Region = region.Name, Endpoint = region.Endpoint }, null)
        {
            ProjectNamed = named,
        };
    }

    private async Task<(ClaimsIdentity? Identity, DateTimeOffset Expires, CallerProblem? Problem)> ValidateAsync(string token)
    {
        var jwt = jwtOptions.Get(JwtBearerDefaults.AuthenticationScheme);
        Exception? failure = null;
        foreach (var handler in jwt.TokenHandlers)
        {
            var result = await handler.ValidateTokenAsync(token, jwt.TokenValidationParameters);
            if (result.IsValid)
            {
                // exp is required (RequireExpirationTime): ValidTo is it, in UTC.
                return (result.ClaimsIdentity, new DateTimeOffset(DateTime.SpecifyKind(result.SecurityToken.ValidTo, DateTimeKind.Utc)), null);
            }

            failure ??= result.Exception;
        }

        // Say which check failed, never echo the token or the library's message (it can quote token parts).
        var reason = failure switch
        {
            SecurityTokenExpiredException => "has expired",
            SecurityTokenNotYetValidException => "is not valid yet",
            SecurityTokenInvalidAudienceException => "is for another audience",
            SecurityTokenInvalidIssuerException => "is from another issuer",
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "is not signed by a trusted key",
            SecurityTokenNoExpirationException => "has no expiry",
            _ => "is not a valid JWT",
        };
        return (null, default, new CallerProblem(GatewayErrorCodes.InvalidBearerToken, $"The bearer token {reason}."));
    }

    private static bool Grants(ServiceIdentityOptions settings, ClaimsIdentity identity, DrsRegion region, string project) =>
        settings.Grants.Any(grant =>
            grant.Projects.Any(entry => Covers(entry, region, project))
            && identity.FindAll(grant.Claim).Any(claim => claim.Value == grant.Value
                || (IsSpaceSeparated(grant.Claim) && claim.Value.Split(' ').Contains(grant.Value, StringComparer.Ordinal))));

    // Only the claims OAuth defines as space-separated lists (RFC 8693's scope, Microsoft's scp): split any claim and a
    // "sub" of "mallory svc-a", or a name or e-mail a user partly chooses, held the grant for "svc-a".
    private static bool IsSpaceSeparated(string claim) => claim is "scope" or "scp";

    // A bare entry is the default region's project; "region/project" another region's; either project may be "*".
    private static bool Covers(string entry, DrsRegion region, string project)
    {
        var (grantRegion, grantProject) = ServiceIdentityOptions.SplitGrant(entry);
        var sameRegion = grantRegion is null ? region.IsDefault : !region.IsDefault && string.Equals(grantRegion, region.Name, StringComparison.OrdinalIgnoreCase);
        return sameRegion && (grantProject == ServiceIdentityOptions.AnyProject || string.Equals(grantProject, project, StringComparison.Ordinal));
    }

    private static CallerContext Refused(string code, string message) => new(null, new CallerProblem(code, message));
}
