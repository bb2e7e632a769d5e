using System.ComponentModel.DataAnnotations;

namespace DrsGraph.DrsClient;

/// <summary>Settings of the DRS client, bound from the <c>Drs</c> section.</summary>
public sealed class DrsClientOptions
{
    public const string SectionName = "Drs";

    /// <summary>
    /// Base URL of the DRS API, e.g. <c>https://drs.eu-de.otc.t-systems.com</c>: an absolute http(s) URL.
    /// Default: none. The gateway then refuses to start, except in the Development environment or with
    /// <c>Gateway:EmbeddedEmulator:Enabled=true</c>, where it hosts the built-in emulator and uses it.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// Accept a plain <c>http://</c> <see cref="Endpoint"/> outside the Development environment. Default
    /// false: callers' IAM tokens would cross the network in clear text. Set it only for an upstream on a
    /// private network (an emulator beside the gateway, a TLS-terminating sidecar).
    /// </summary>
    public bool AllowInsecureEndpoint { get; set; }

    /// <summary>Project used when a caller names none (<c>X-Project-Id</c>). Default: the emulator's demo project.</summary>
    // [Required] as well: [RegularExpression] takes "" for valid, and an empty ProjectId (Drs__ProjectId=) sent every
    // project-less call to /v3//jobs while the gateway reported Healthy.
    [Required(ErrorMessage = "The field ProjectId is empty: set a DRS project ID or leave the setting out.")]
    [RegularExpression("^[0-9a-zA-Z_-]{1,64}$", ErrorMessage = "The field ProjectId is not a DRS project ID (letters, digits, '-' or '_', at most 64).")]
    public string ProjectId { get; set; } = "054ba152d480d55b2f5dc0069e7ddef0";

    /// <summary>
    /// Most IDs sent in one call. Default 100: the most one DRS page holds (per_page 0..100), so a
    /// chunk normally fits one page; no public source states a cap on IDs per call.
    /// </summary>
    [Range(1, 100)]
    public int ChunkSize { get; set; } = 100;

    /// <summary>
    /// The <c>per_page</c> sent to batch-status and batch-detail (always sent: DRS's own default is 5).
    /// Default 100, the most DRS allows. When smaller than <see cref="ChunkSize"/> a chunk takes
    /// several pages, all of which are fetched.
    /// </summary>
    [Range(1, 100)]
    public int PageSize { get; set; } = 100;

    /// <summary>
    /// HTTP calls of one batch in flight at once (each chunk, or each page of a chunk when
    /// <see cref="PageSize"/> &lt; <see cref="ChunkSize"/>). Default 4: enough for 400 IDs in one round trip.
    /// The bound is per batch; concurrent batches each get their own.
    /// </summary>
    [Range(1, 64)]
    public int MaxConcurrentChunks { get; set; } = 4;

    /// <summary>
    /// Largest DRS answer read, in bytes. Default 4 MiB: a batch-detail page of 100 jobs, as the emulator
    /// fills it, is about 145 KB (measured by a test), so this is almost thirty times a genuine answer,
    /// while a hostile or broken upstream cannot make the gateway hold hundreds of megabytes. Enforced on the declared
    /// Content-Length and again while reading (chunked bodies declare none); a larger answer fails its
    /// call as <c>DRSGRAPH.RESPONSE_TOO_LARGE</c> (a protocol error: not retried, not cached).
    /// </summary>
    // long bounds (the double overload): the int overload threw OverflowException for a value past 2^31 instead of refusing it.
    [Range(65_536L, 268_435_456L)]
    public long MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

    /// <summary>
    /// The <c>per_page</c> of each call when the client walks the job list (<see cref="IDrsClient.ListAllJobsAsync"/>).
    /// Default 100, the most DRS allows: fewest calls. Never 0 ("all" in DRS): one unbounded answer is what
    /// <see cref="ListMaxJobs"/> and <see cref="MaxResponseBytes"/> exist to prevent.
    /// </summary>
    [Range(1, 100)]
    public int ListPageSize { get; set; } = 100;

    /// <summary>
    /// Most jobs one walk of the job list collects. Default 2000 (20 calls at 100 per page); when page 1's
    /// total_record is over it the walk stops after page 1 and says it is incomplete, so a project with tens of
    /// thousands of jobs cannot make one query fetch them all.
    /// </summary>
    [Range(1, 100_000)]
    public int ListMaxJobs { get; set; } = 2000;

    /// <summary>
    /// The name callers use for the region of <see cref="Endpoint"/> and <see cref="ProjectId"/> (<c>X-Drs-Region</c>,
    /// the <c>region</c> argument). Default <c>default</c>; e.g. <c>eu-de</c> when <see cref="Regions"/> names others.
    /// </summary>
    // [Required] as well: [RegularExpression] takes "" for valid, which named the default region "".
    [Required(ErrorMessage = "The field DefaultRegion is empty: name the default region or leave the setting out (default 'default').")]
    [RegularExpression(DrsRegionOptions.NamePattern, ErrorMessage = "The field DefaultRegion is not a region name (a letter or digit, then letters, digits, '-' or '_', at most 63).")]
    public string DefaultRegion { get; set; } = DrsRegionOptions.DefaultRegionName;

    /// <summary>
    /// Further DRS regions by name (<c>Drs:Regions:&lt;name&gt;:Endpoint</c>, ...), each with its own endpoint, default
    /// project and circuit breaker. Default: none, so only the default region (<see cref="Endpoint"/>) is served.
    /// Names are case-insensitive.
    /// </summary>
    public Dictionary<string, DrsRegionOptions> Regions { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Default of <see cref="MaxResponseBytes"/>: 4 MiB.</summary>
    public const long DefaultMaxResponseBytes = 4 * 1024 * 1024;
}

/// <summary>Where the DRS API is. Resolved per HTTP client, so an embedded emulator started later can provide it.</summary>
public interface IDrsEndpointProvider
{
    Uri BaseAddress { get; }
}
