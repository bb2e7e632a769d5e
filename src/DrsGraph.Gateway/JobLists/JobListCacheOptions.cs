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
    /// evicted. A whole-project walk holds up to <c>Drs:ListMaxJobs</c> jobs, so this bounds memory too.
    /// </summary>
    [Range(1, 1_000_000)]
    public int ListMaxEntries { get; set; } = 1000;
}
