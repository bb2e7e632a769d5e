using DrsGraph.DrsClient;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.ServiceIdentity;

/// <summary>
/// Checks of <c>Gateway:ServiceIdentity</c> that need the rest of the configuration. Every
/// <c>Regions:&lt;region&gt;</c> names a region of <c>Drs:Regions</c>: credentials held for a region nobody can reach
/// (a typo) would otherwise be silently unused, and the grants naming it never match. Every IAM endpoint is held to
/// the rule of the DRS endpoint of its region: https outside Development unless that region's
/// <c>AllowInsecureEndpoint</c>, since the gateway sends its IAM users' passwords there.
/// </summary>
internal sealed class ServiceRegionValidation(IOptions<DrsClientOptions> drs, IHostEnvironment environment) : IValidateOptions<ServiceIdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceIdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var unknown = options.Regions.Keys.Where(region => !drs.Value.Regions.ContainsKey(region)).ToList();
        if (unknown.Count > 0)
        {
            return ValidateOptionsResult.Fail(
                $"{ServiceIdentityOptions.SectionName}:Regions names {string.Join(", ", unknown)}, which {DrsClientOptions.SectionName}:Regions does not configure " +
                "(the default region's credentials are the top-level Credentials).");
        }

        if (UnreachableGrant(options) is { } grant)
        {
            return ValidateOptionsResult.Fail(grant);
        }

        return InsecureIamEndpoint(options) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }

    // The first grant entry naming a region the gateway holds no credentials for, or null. (A region that has credentials
    // but not for the granted project is ServiceIdentityOptions' own check.)
    private string? UnreachableGrant(ServiceIdentityOptions options)
    {
        const string Section = ServiceIdentityOptions.SectionName;
        foreach (var (grant, i) in options.Grants.Select((g, i) => (g, i)))
        {
            foreach (var entry in grant.Projects)
            {
                var (region, project) = ServiceIdentityOptions.SplitGrant(entry);
                if (region is null || options.Regions.ContainsKey(region))
                {
                    continue;
                }

                if (string.Equals(region, drs.Value.DefaultRegion, StringComparison.OrdinalIgnoreCase))
                {
                    return $"{Section}:Grants:{i} grants {entry}, but {region} is the default region, whose projects are granted without a region " +
                        $"('{project}'); with one the grant would never match.";
                }

                return drs.Value.Regions.ContainsKey(region)
                    ? $"{Section}:Grants:{i} grants {entry}, but {Section}:Regions:{region} holds no credentials: the gateway could not call that region for it."
                    : $"{Section}:Grants:{i} grants {entry}, but {DrsClientOptions.SectionName}:Regions does not configure a region named {region} " +
                      $"(configured: {string.Join(", ", drs.Value.Regions.Keys.Order(StringComparer.Ordinal).DefaultIfEmpty("none besides the default region"))}).";
            }
        }

        return null;
    }

    // The first IAM endpoint that is plain http where its region's DRS endpoint could not be, or null.
    private string? InsecureIamEndpoint(ServiceIdentityOptions options)
    {
        const string Section = ServiceIdentityOptions.SectionName;
        var allowDefault = drs.Value.AllowInsecureEndpoint;
        const string AllowDefaultSetting = DrsClientOptions.SectionName + ":" + nameof(DrsClientOptions.AllowInsecureEndpoint);
        var endpoints = new List<(string Setting, string? Value, bool Allowed, string AllowSetting)>
        {
            ($"{Section}:{nameof(ServiceIdentityOptions.IamEndpoint)}", options.IamEndpoint, allowDefault, AllowDefaultSetting),
        };
        endpoints.AddRange(options.Credentials.Select(c =>
            ($"{Section}:Credentials:{c.Key}:{nameof(ServiceCredentialOptions.IamEndpoint)}", c.Value.IamEndpoint, allowDefault, AllowDefaultSetting)));
        foreach (var (region, held) in options.Regions)
        {
            // Validate above made sure the region is configured.
            var allowRegion = drs.Value.Regions[region].AllowInsecureEndpoint;
            var allowRegionSetting = $"{DrsClientOptions.SectionName}:{nameof(DrsClientOptions.Regions)}:{region}:{nameof(DrsRegionOptions.AllowInsecureEndpoint)}";
            endpoints.Add(($"{Section}:Regions:{region}:{nameof(ServiceRegionOptions.IamEndpoint)}", held.IamEndpoint, allowRegion, allowRegionSetting));
            endpoints.AddRange(held.Credentials.Select(c =>
                ($"{Section}:Regions:{region}:Credentials:{c.Key}:{nameof(ServiceCredentialOptions.IamEndpoint)}", c.Value.IamEndpoint, allowRegion, allowRegionSetting)));
        }

        foreach (var (setting, value, allowed, allowSetting) in endpoints)
        {
            if (!environment.IsDevelopment() && !allowed && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp)
            {
                // Scheme and host only: a user:password@ part must not reach the log line.
                return $"{setting} '{uri.GetLeftPart(UriPartial.Scheme)}{uri.Host}' is plain http outside the Development environment: the " +
                    $"gateway's IAM passwords would cross the network in clear text. Use https, or set {allowSetting}=true for an IAM on a private network.";
            }
        }

        return null;
    }
}
