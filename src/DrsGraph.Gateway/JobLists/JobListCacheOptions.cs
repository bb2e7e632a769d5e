using System.ComponentModel.DataAnnotations;
using DrsGraph.Gateway.Caching;

namespace DrsGraph.Gateway.JobLists;

/// <summary>The job-list cache, bound from the same <c>Gateway:Cache</c> section as the job cache (<see cref="JobCacheOptions"/>).</summary>
public sealed class JobListCacheOptions
{
    public const string SectionName = JobCacheOptions.SectionName;

    /// <summary>
    /// How long a list answer (one filter, one page or the whole walk, one caller partition) stays fresh.
    /// Default 5 s, like a status: a job table polled every few seconds costs about one list call per
    /// period, and a job created meanwhile shows up within that. Zero: never cached (statuses are still primed).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ListTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most list answers kept in process memory. Default 1000; past it the least recently used quarter is
    /// evicted. Each answer counts as at least 1/<see cref="ListMaxEntries"/> of <see cref="ListMaxMegabytes"/>,
    /// so both bounds hold.
    /// </summary>
    [Range(1, 1_000_000)]
    public int ListMaxEntries { get; set; } = 1000;

    /// <summary>
    /// Most memory the cached list answers hold, in megabytes (their estimated size). Default 16; past it the least
    /// recently used quarter is evicted, and an answer larger than the whole budget is not cached. A count alone did
    /// not bound memory: a whole-project walk holds up to <c>Drs:ListMaxJobs</c> jobs (about 1 MB), and a thousand
    /// callers each listing one held a gigabyte.
    /// </summary>
    [Range(1, 4096)]
    public int ListMaxMegabytes { get; set; } = 16;
}
