using Microsoft.Extensions.Options;

namespace DrsGraph.Emulator.Drs;

/// <summary>Stands in for IAM + the API gateway: which token may call which project.</summary>
public sealed class TenantAuthorizer(IOptionsMonitor<EmulatorOptions> options)
{
    /// <summary>Null when allowed, else (HTTP status, error_code, error_msg).</summary>
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
