using System.Text.Json.Serialization.Metadata;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// What differs between the three cached job fields: name (part of the key), TTL, how to tell a
/// terminal job, how to store it. Each field owns its map of in-flight fetches.
/// </summary>
internal sealed class CachedField<T>(
    string name,
    Func<JobCacheOptions, TimeSpan> ttl,
    Func<T, bool> isTerminal,
    int valueBytes,
    JsonTypeInfo<JobCacheEntry<T>> json)
    where T : class
{
    // Together with the key's characters below, about 580 bytes beside the value: the level's node (with its timer-wheel
    // links) and dictionary entry, each holding the 32-byte JobKey, our JobCacheEntry wrapper and the answer it hands out
    // (about 340 bytes), then the job ID (about 100) and the scope, shared by an operation's keys (about 300 when an
    // entry is the last to hold it): the largest estimate, a detail's, still covers a detail that holds its scope alone.
    internal const int EntryOverheadBytes = 200;

    // A key's characters (JobKey): its scope (prefix, endpoint hash, project id, token hash, language) and the job ID,
    // about 150 together.
    internal const int MaxKeyChars = 192;

    public string Name { get; } = name;

    public JsonTypeInfo<JobCacheEntry<T>> Json { get; } = json;

    /// <summary>
    /// Estimated bytes the largest entry of this field holds in process memory: the value (measured: the managed size
    /// of the records deserialized from the seed jobs' cache entries, rounded up), the longest key's strings and the
    /// memory level's own node. Only an estimate, so the memory level's budget is approximate.
    /// </summary>
    public long MaxEntryBytes => valueBytes + (2L * MaxKeyChars) + EntryOverheadBytes;

    /// <summary>The field's fetches in flight: concurrent requests of one partition share them.</summary>
    public SingleFlight<T> InFlight { get; } = new();

    /// <summary>The longest any entry of this field stays fresh: a value's TTL, a terminal job's, an error's.</summary>
    public TimeSpan LongestTtl(JobCacheOptions options) =>
        TimeSpan.FromTicks(Math.Max(ttl(options).Ticks, Math.Max(options.TerminalTtl.Ticks, options.NegativeTtl.Ticks)));

    /// <summary>How long a value stays fresh: long once the job no longer changes.</summary>
    public TimeSpan TtlOf(T value, JobCacheOptions options) => isTerminal(value) ? options.TerminalTtl : ttl(options);
}

/// <summary>New fields per cache instance: in-flight maps must never be shared by two caches (two gateways in one process).</summary>
internal static class CachedFields
{
    /// <summary>
    /// The largest estimated entry of any field (a detail): the memory level's entry count is its byte budget
    /// divided by this, so it cannot pass the budget whatever mix of fields it holds.
    /// </summary>
    public static long MaxEntryBytes => Math.Max(Status().MaxEntryBytes, Math.Max(Progress().MaxEntryBytes, Detail().MaxEntryBytes));

    public static CachedField<JobStatusInfo> Status() => new(
        "status",
        static o => o.StatusTtl,
        static s => s.IsTerminal,
        256, // measured ~220 B
        JobCacheJsonContext.Default.JobCacheEntryJobStatusInfo);

    public static CachedField<JobProgress> Progress() => new(
        "progress",
        static o => o.ProgressTtl,
        static p => JobMapper.IsTerminal(p.TransferStatus),
        512, // measured ~440 B; more with many progress phases
        JobCacheJsonContext.Default.JobCacheEntryJobProgress);

    public static CachedField<JobDetail> Detail() => new(
        "detail",
        static o => o.DetailTtl,
        static d => JobMapper.IsTerminal(d.Status),
        3584, // measured ~2.9 KB with endpoints, tags and speed limits; ~0.4 KB more with alarm notifications
        JobCacheJsonContext.Default.JobCacheEntryJobDetail);
}
