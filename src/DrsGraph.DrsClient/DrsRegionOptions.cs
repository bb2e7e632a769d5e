using System.ComponentModel.DataAnnotations;

namespace DrsGraph.DrsClient;

/// <summary>One more DRS region, bound from <c>Drs:Regions:&lt;name&gt;</c>.</summary>
public sealed class DrsRegionOptions
{
    /// <summary>The default region's name unless <c>Drs:DefaultRegion</c> says otherwise.</summary>
    public const string DefaultRegionName = "default";

    /// <summary>What a region name may look like: DRS's own names (<c>eu-de</c>, <c>eu-west-101</c>) fit.</summary>
    public const string NamePattern = "^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$";

    /// <summary>
    /// The region's DRS base URL, e.g. <c>https://drs.eu-nl.otc.t-systems.com</c>: required, an absolute http(s) URL,
    /// https outside Development unless <see cref="AllowInsecureEndpoint"/> (the same rules as <c>Drs:Endpoint</c>).
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>As <c>Drs:AllowInsecureEndpoint</c>, for this region's endpoint. Default false.</summary>
    public bool AllowInsecureEndpoint { get; set; }

    /// <summary>
    /// Project used in this region when a caller names none (<c>X-Project-Id</c>). Default: <c>Drs:ProjectId</c>
    /// (DRS project IDs differ per region, so a real deployment sets it).
    /// </summary>
    [RegularExpression("^[0-9a-zA-Z_-]{1,64}$")]
    public string? DefaultProjectId { get; set; }

    /// <summary>
    /// Most time one DRS call of this region may take, retries included, on top of <c>Drs:Resilience</c>'s total
    /// timeout (whichever ends first). Default: none, the same as every region. Between 100 ms and 5 min; checked
    /// at start-up.
    /// </summary>
    public TimeSpan? TotalTimeout { get; set; }
}
