using DrsGraph.DrsClient;
using DrsGraph.Gateway.Observability;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Regions;

/// <summary>
/// The regions of <c>Drs:Regions</c> plus the default region (<c>Drs:Endpoint</c> and <c>Drs:ProjectId</c>, named
/// <c>Drs:DefaultRegion</c>), looked up by the name a caller sends (case-insensitive). Built once: options are
/// validated at start-up and regions do not change while the gateway runs.
/// </summary>
public sealed class DrsRegionCatalog
{
    private readonly Dictionary<string, DrsRegion> _regions = new(StringComparer.OrdinalIgnoreCase);

    public DrsRegionCatalog(IOptions<DrsClientOptions> options)
    {
        var drs = options.Value;
        Default = new DrsRegion(drs.DefaultRegion, null, drs.ProjectId);
        _regions[Default.Name] = Default;
        foreach (var (name, region) in drs.Regions)
        {
            // Validation refuses a region without an endpoint or named like the default one; skip rather than throw here.
            if (region.Endpoint is { } endpoint && !_regions.ContainsKey(name))
            {
                _regions[name] = new DrsRegion(name, endpoint, region.DefaultProjectId ?? drs.ProjectId);
            }
        }
    }

    /// <summary>The region of <c>Drs:Endpoint</c>: used when a caller names none.</summary>
    public DrsRegion Default { get; }

    /// <summary>Every configured region's name, the default one first.</summary>
    public IEnumerable<string> Names => _regions.Values.Select(r => r.Name);

    /// <summary>The region named <paramref name="name"/> (the default one for null or blank), or null when none is configured by that name.</summary>
    public DrsRegion? Find(string? name) =>
        string.IsNullOrWhiteSpace(name) ? Default : _regions.GetValueOrDefault(name.Trim());

    /// <summary>The message of an <c>UNKNOWN_REGION</c> error: what was asked and what exists (configured names only, never echoing much input).</summary>
    public string UnknownMessage(string name)
    {
        var shown = CallerText.Excerpt(name, 64);
        return $"No DRS region '{shown}' is configured; known regions: {string.Join(", ", Names)}.";
    }
}
