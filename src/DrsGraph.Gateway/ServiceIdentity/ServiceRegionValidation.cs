using DrsGraph.DrsClient;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.ServiceIdentity;

/// <summary>
/// Every <c>Gateway:ServiceIdentity:Regions:&lt;region&gt;</c> names a region of <c>Drs:Regions</c>: credentials held
/// for a region nobody can reach (a typo) would otherwise be silently unused, and the grants naming it never match.
/// </summary>
internal sealed class ServiceRegionValidation(IOptions<DrsClientOptions> drs) : IValidateOptions<ServiceIdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceIdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var unknown = options.Regions.Keys.Where(region => !drs.Value.Regions.ContainsKey(region)).ToList();
        return unknown.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{ServiceIdentityOptions.SectionName}:Regions names {string.Join(", ", unknown)}, which {DrsClientOptions.SectionName}:Regions does not configure " +
                "(the default region's credentials are the top-level Credentials).");
    }
}
