using System.Collections.Concurrent;
using System.Text.Json.Serialization.Metadata;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// What differs between the three cached job fields: name (part of the key), TTL, how to tell a
/// terminal job, how to stamp freshness, how to store it. Each field owns its map of in-flight fetches.
/// </summary>
internal sealed class CachedField<T>(
    string name,
    Func<JobCacheOptions, TimeSpan> ttl,
    Func<T, bool> isTerminal,
    Func<T, Freshness?, T> withFreshness,
    JsonTypeInfo<JobCacheEntry<T>> json)
    where T : class
{
    public string Name { get; } = name;

    public JsonTypeInfo<JobCacheEntry<T>> Json { get; } = json;

    /// <summary>Cache key to the fetch in progress for it: concurrent requests of one partition share it.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource<DrsResult<T>>> InFlight { get; } = new(StringComparer.Ordinal);

    /// <summary>How long a value stays fresh: long once the job no longer changes.</summary>
    public TimeSpan TtlOf(T value, JobCacheOptions options) => isTerminal(value) ? options.TerminalTtl : ttl(options);

    public T WithFreshness(T value, Freshness? freshness) => withFreshness(value, freshness);
}

/// <summary>New fields per cache instance: in-flight maps must never be shared by two caches (two gateways in one process).</summary>
internal static class CachedFields
{
    public static CachedField<JobStatusInfo> Status() => new(
        "status",
        static o => o.StatusTtl,
        static s => s.IsTerminal,
        static (s, f) => s with { Freshness = f },
        JobCacheJsonContext.Default.JobCacheEntryJobStatusInfo);

    public static CachedField<JobProgress> Progress() => new(
        "progress",
        static o => o.ProgressTtl,
        static p => JobMapper.IsTerminal(p.TransferStatus),
        static (p, f) => p with { Freshness = f },
        JobCacheJsonContext.Default.JobCacheEntryJobProgress);

    public static CachedField<JobDetail> Detail() => new(
        "detail",
        static o => o.DetailTtl,
        static d => JobMapper.IsTerminal(d.Status),
        static (d, f) => d with { Freshness = f },
        JobCacheJsonContext.Default.JobCacheEntryJobDetail);
}
