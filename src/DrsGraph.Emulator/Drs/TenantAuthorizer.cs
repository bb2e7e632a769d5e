using DrsGraph.Emulator.Iam;
using Microsoft.Extensions.Options;

namespace DrsGraph.Emulator.Drs;

/// <summary>
/// Stands in for IAM + the API gateway: which caller may call which project. An <c>SDK-HMAC-SHA256</c>
/// <c>Authorization</c> header is verified (<see cref="AkSkVerifier"/>); a token the emulated IAM issued must be
/// unexpired and scoped to the project; any other token is checked against <c>Emulator:Tenants</c>.
/// </summary>
public sealed class TenantAuthorizer(IOptionsMonitor<EmulatorOptions> options, IamTokenStore tokens, AkSkVerifier signatures, TimeProvider time)
{
    public const string TokenExpiredMessage = "Incorrect IAM authentication information: the token expires";

    /// <summary>Null when allowed, else (HTTP status, error_code, error_msg).</summary>
    public async Task<(int Status, string Code, string Message)?> CheckAsync(HttpRequest request, string projectId, CancellationToken cancellationToken)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(AkSkVerifier.Scheme + " ", StringComparison.Ordinal))
        {
            return await signatures.VerifyAsync(request, authorization, projectId, cancellationToken);
        }

        var token = request.Headers["X-Auth-Token"].ToString();
        if (!string.IsNullOrEmpty(token) && tokens.Find(token) is { } issued)
        {
            if (time.GetUtcNow() >= issued.ExpiresAt)
            {
                return (StatusCodes.Status401Unauthorized, DrsErrors.TokenMissing, TokenExpiredMessage);
            }

            return issued.ProjectId == projectId ? null : (StatusCodes.Status403Forbidden, DrsErrors.InvalidProject, DrsErrors.InvalidProjectMessage);
        }

        return Check(token, projectId);
    }

    /// <summary>The <c>Emulator:Tenants</c> rule for a plain token.</summary>
    public (int Status, string Code, string Message)? Check(string? token, string projectId)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (StatusCodes.Status401Unauthorized, DrsErrors.TokenMissing, DrsErrors.TokenMissingMessage);
        }

        var tenants = options.CurrentValue.Tenants;
        if (tenants.Count == 0)
        {
            return null;
        }

        if (!tenants.TryGetValue(token, out var projects))
        {
            return (StatusCodes.Status401Unauthorized, DrsErrors.TokenMissing, DrsErrors.TokenMissingMessage);
        }

        return projects.Contains(projectId, StringComparer.Ordinal)
            ? null
            : (StatusCodes.Status403Forbidden, DrsErrors.InvalidProject, DrsErrors.InvalidProjectMessage);
    }
}
