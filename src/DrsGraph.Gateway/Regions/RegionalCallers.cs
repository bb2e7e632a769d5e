using DrsGraph.DrsClient;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.DataLoading;
using DrsGraph.Gateway.Errors;

namespace DrsGraph.Gateway.Regions;

/// <summary>
/// One operation's caller in each region its fields name (the <c>region</c> argument of a root field), each with
/// DataLoaders of its own, so one region's jobs are batched (and cached, and fail) apart from another's. Built
/// lazily: a region costs nothing until a field names it. The caller of the request (its <c>X-Drs-Region</c>,
/// else the default region) is the starting point.
/// </summary>
public sealed class RegionalCallers(CallerContext caller, JobLoaders? loaders, DrsRegionCatalog catalog, Func<DrsCaller, JobLoaders> newLoaders)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (CallerContext Caller, JobLoaders? Loaders)> _byRegion = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The caller and loaders for <paramref name="regionName"/> (null: the request's own region).</summary>
    public (CallerContext Caller, JobLoaders? Loaders) In(string? regionName)
    {
        // A header problem (no token, a bad project) is reported first, whatever region the field names. A service
        // identity refused only the request's region (no grant there) may still read the region the field names: its
        // grants for that region decide (Rescope), as they would with X-Drs-Region naming it.
        // A blank argument names no region (the request's is read), as an absent one; it is not the default region.
        if (string.IsNullOrWhiteSpace(regionName) || (caller.Caller is null && caller.Rescope is null))
        {
            return (caller, loaders);
        }

        if (catalog.Find(regionName) is not { } region)
        {
            return (new CallerContext(null, new CallerProblem(GatewayErrorCodes.UnknownRegion, catalog.UnknownMessage(regionName.Trim()))), null);
        }

        if (caller.Caller is { } requestCaller && string.Equals(region.Name, requestCaller.Region, StringComparison.OrdinalIgnoreCase))
        {
            return (caller, loaders);
        }

        lock (_lock)
        {
            if (!_byRegion.TryGetValue(region.Name, out var known))
            {
                known = For(caller.Caller, region);
                _byRegion[region.Name] = known;
            }

            return known;
        }
    }

    private (CallerContext Caller, JobLoaders? Loaders) For(DrsCaller? requestCaller, DrsRegion region)
    {
        if (caller.Rescope is { } rescope)
        {
            // Service identities: that region's grants and credential decide, never the request region's.
            var other = rescope(region);
            return (other, other.Caller is { } held ? newLoaders(held) : null);
        }

        // Without Rescope only a caller the request's region accepted gets here (In).
        ArgumentNullException.ThrowIfNull(requestCaller);

        if (requestCaller.Credential is not null)
        {
            // A held credential belongs to its region: never sent to another.
            return (new CallerContext(null, new CallerProblem(GatewayErrorCodes.ProjectNotAllowed, $"No credential is held for region {region.Name}.")), null);
        }

        // The caller's own token goes to the other region's DRS, as it would with X-Drs-Region; its named project is
        // kept, else that region's default project is read.
        var regional = requestCaller with
        {
            Region = region.Name,
            Endpoint = region.Endpoint,
            ProjectId = caller.ProjectNamed ? requestCaller.ProjectId : region.DefaultProjectId,
        };
        return (caller with { Caller = regional }, newLoaders(regional));
    }
}
