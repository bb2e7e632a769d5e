using System.Security.Claims;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Errors;
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
        if (settings.RequiredClaims.FirstOrDefault(c => !principal.Identity!.HasClaim(claim => claim.Type == c && claim.Value.Length > 0)) is { } missing)
        {
            return Refused(GatewayErrorCodes.InvalidBearerToken, $"The bearer token lacks the '{missing}' claim.");
        }

        var (project, language, problem, region) = headers.ReadScope(callerHeaders);
        if (problem is not null)
        {
            return new CallerContext(null, problem);
        }

        // Credentials and grants are held for the default region's projects only: a grant there must not open the
        // same project ID in another region (see RegionalCallers).
        if (!region!.IsDefault)
        {
            return Refused(GatewayErrorCodes.ProjectNotAllowed, $"Service identities read the default region only; region {region.Name} holds no credential.");
        }

        if (!Grants(settings, principal.Identity!, project) || credentials.For(project) is not { } credential)
        {
            return Refused(GatewayErrorCodes.ProjectNotAllowed, $"This caller may not read project {project}.");
        }

        // No token of the caller's goes upstream: DRS sees the held credential, and caches partition by its identity.
        return new CallerContext(new DrsCaller("", project, language) { Credential = credential, Region = region.Name }, null)
        {
            ProjectNamed = CallerContextBuilder.IsProjectNamed(callerHeaders),
        };
    }

    private async Task<(ClaimsIdentity? Identity, CallerProblem? Problem)> ValidateAsync(string token)
    {
        var jwt = jwtOptions.Get(JwtBearerDefaults.AuthenticationScheme);
        Exception? failure = null;
        foreach (var handler in jwt.TokenHandlers)
        {
            var result = await handler.ValidateTokenAsync(token, jwt.TokenValidationParameters);
            if (result.IsValid)
            {
                return (result.ClaimsIdentity, null);
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
        return (null, new CallerProblem(GatewayErrorCodes.InvalidBearerToken, $"The bearer token {reason}."));
    }

    private static bool Grants(ServiceIdentityOptions settings, ClaimsIdentity identity, string project) =>
        settings.Grants.Any(grant =>
            (grant.Projects.Contains(project, StringComparer.Ordinal) || grant.Projects.Contains(ServiceIdentityOptions.AnyProject, StringComparer.Ordinal))
            && identity.FindAll(grant.Claim).Any(claim => claim.Value == grant.Value || claim.Value.Split(' ').Contains(grant.Value, StringComparer.Ordinal)));

    private static CallerContext Refused(string code, string message) => new(null, new CallerProblem(code, message));
}
