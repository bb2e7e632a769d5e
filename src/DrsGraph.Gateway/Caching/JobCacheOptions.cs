using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.Caching;

/// <summary>Who may share a cached answer.</summary>
public enum CachePartition
{
    /// <summary>
    /// Per caller token (a keyed hash of it): an answer is only ever served to the token that fetched it,
    /// so DRS's own authorization decides what each caller sees. The default.
    /// </summary>
    Token,

    /// <summary>
    /// Per project: every caller of a project shares what any of them fetched. RISK: a caller whose token
    /// DRS would refuse (expired, revoked, or without rights on the project) is served the project's
    /// cached jobs without DRS being asked. Only for deployments where every caller of a project may see
    /// all of its jobs and the gateway sits behind its own authentication.
    /// </summary>
    Project,
}

/// <summary>The job cache, bound from the <c>Gateway:Cache</c> section. Redis comes from <c>ConnectionStrings:Redis</c>.</summary>
public sealed class JobCacheOptions : IValidatableObject
{
    public const string SectionName = "Gateway:Cache";

    /// <summary>Default true. False sends every DataLoader batch straight to DRS (no memory, no Redis).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Default <see cref="CachePartition.Token"/>; see <see cref="CachePartition.Project"/> for its risk before changing it.</summary>
    public CachePartition Partition { get; set; } = CachePartition.Token;

    /// <summary>
    /// HMAC-SHA256 key for the token part of cache keys, at least 32 characters. Default: none, which
    /// draws a random secret per process; then replicas cannot share Redis entries (each hashes tokens
    /// differently), so set the same secret on every replica that shares a Redis. The rate limiter keys
    /// its per-token partitions (which it logs) with it too, so no log holds a plain hash of a token.
    /// </summary>
    public string? KeySecret { get; set; }

    /// <summary>Prefix of every Redis key, so deployments can share a Redis. Default "drsgraph".</summary>
    [Required]
    [RegularExpression("^[0-9A-Za-z_.-]{1,32}$")]
    public string KeyPrefix { get; set; } = "drsgraph";

    /// <summary>How long a status stays fresh. Default 5 s: frontends poll every few seconds, so about one DRS call per poll period.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan StatusTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long progress stays fresh. Default 5 s, like the status it moves with.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ProgressTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a detail stays fresh. Default 60 s: configuration and endpoints rarely change.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan DetailTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Freshness of any field of a job in a terminal status (CREATE_FAILED, RELEASE_RESOURCE_COMPLETE,
    /// RELEASE_CHILD_TRANSFER_COMPLETE, DELETED). Default 5 min: such jobs no longer change, except
    /// that a released job may still be deleted.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan TerminalTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Freshness of a "does not exist" (DRS.M00289/M05003) or "deleted" (DRS.M05004) answer. Default
    /// 10 s: short, because a job just created may not be visible everywhere yet.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan NegativeTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a value is kept after its TTL to be served, marked stale, when DRS fails transiently
    /// (5xx, timeout, open circuit, throttling). Default 5 min. Zero disables stale answers.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan StaleGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Budget of the in-process level, in megabytes of estimated entry size (the cached object, its key and
    /// bookkeeping; see <see cref="CachedField{T}"/> for the per-field estimates). The level holds at most the
    /// budget divided by the largest entry estimate (a detail), about 16 000 job fields at the default 64, so
    /// it stays within the budget whatever mix it holds. With Redis up only entries read twice enter it (see
    /// <see cref="CachingJobDataSource"/>). Once full, an entry whose key was not stored recently waits in a small
    /// first-use window and leaves young, and a returning key replaces an old entry only if it is asked for more often
    /// (W-TinyLFU); entries leave when even their stale limit has passed. The process's own memory comes on top
    /// (the gateway runs in about 150-200 MB under load without the cache); the benchmark in <c>bench/</c>
    /// measures both.
    /// </summary>
    [Range(1, 16_384)]
    public int MaxMemoryMegabytes { get; set; } = 64;

    /// <summary>
    /// Budget of the answer cache, in megabytes: whole GraphQL answers (the bytes sent) kept per caller and request,
    /// so a poll repeated while its jobs are still fresh in memory skips execution. It holds at most the budget
    /// divided by <see cref="MaxResponseKilobytes"/> answers (256 at the defaults). An answer is replayed only while
    /// every job field it was built from is still fresh and nothing newer has been stored for it, so it is the
    /// answer the request would have been given within every TTL (see <see cref="ResponseCaching.OperationResponseCache"/>).
    /// Default 16; 0 turns the answer cache off.
    /// </summary>
    [Range(0, 4096)]
    public int MaxResponseMegabytes { get; set; } = 16;

    /// <summary>
    /// Largest answer the answer cache keeps (with its key), in kilobytes. Default 64 (a 20-job poll with details is
    /// about 10). At most a third of <see cref="MaxResponseMegabytes"/>: the cache holds at least three answers. A request
    /// larger than half of it is not looked up: its answer could never be kept.
    /// </summary>
    [Range(1, 65_536)]
    public int MaxResponseKilobytes { get; set; } = 64;

    /// <summary>
    /// Longest wait for one Redis round trip before the cache treats it as a miss. Default 250 ms: a slow
    /// Redis must cost a request little more than going to DRS would.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Batches of Redis writes waiting to be sent. Default 1024. When full, new writes are dropped
    /// (counted and logged): responses never wait for Redis.
    /// </summary>
    [Range(1, 1_000_000)]
    public int WriteQueueCapacity { get; set; } = 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Empty counts as unset, so a blank value in a settings file means "random per process".
        if (!string.IsNullOrEmpty(KeySecret) && KeySecret.Length < 32)
        {
            yield return new ValidationResult($"{SectionName}:{nameof(KeySecret)} must be at least 32 characters (or unset).", [nameof(KeySecret)]);
        }

        if (MaxResponseMegabytes > 0 && MaxResponseKilobytes * 3L > MaxResponseMegabytes * 1024L)
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(MaxResponseKilobytes)} ({MaxResponseKilobytes}) must be at most a third of {SectionName}:{nameof(MaxResponseMegabytes)} ({MaxResponseMegabytes}) x 1024: the answer cache holds at least three answers.",
                [nameof(MaxResponseKilobytes)]);
        }

        if (!Enum.IsDefined(Partition))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(Partition)} must be Token or Project.", [nameof(Partition)]);
        }
    }
}
