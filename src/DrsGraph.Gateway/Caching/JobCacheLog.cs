namespace DrsGraph.Gateway.Caching;

// Never a token here: keys carry only a keyed hash of it, and no log message takes a caller.
internal static partial class JobCacheLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Job cache: memory{Redis}, partitioned by {Partition}.")]
    public static partial void Started(ILogger logger, string redis, CachePartition partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job cache: Redis is configured but Gateway:Cache:KeySecret is not: this replica hashes tokens and seals entries with its own random secret, so replicas will not share entries.")]
    public static partial void RandomSecretWithRedis(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job cache: partitioned by project, so callers of a project share cached jobs without DRS checking their tokens.")]
    public static partial void ProjectPartition(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job cache: could not connect to Redis; retrying in the background.")]
    public static partial void RedisConnectFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job cache: Redis read of {Count} keys failed or timed out; treated as misses.")]
    public static partial void RedisReadFailed(ILogger logger, int count, Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job cache: Redis delete of {Count} entries of a token DRS refused failed: {Failure}; they lapse at their stale limit.")]
    public static partial void RedisDeleteFailed(ILogger logger, int count, string failure);

    // The exception's type and message, not its stack trace: a full Redis (OOM) fails every write round, at request rate,
    // so at most one line a second (drsgraph.cache.redis.errors counts them all).
    [LoggerMessage(Level = LogLevel.Warning, Message = "Job cache: Redis write of {Count} entries failed: {Failure}; {Unlogged} more failed writes since the last such line (at most one a second).")]
    public static partial void RedisWriteFailed(ILogger logger, int count, string failure, long unlogged);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job cache: Redis write queue full; {Count} entries not written; {Unlogged} more such batches since the last such line (at most one a second).")]
    public static partial void RedisWriteDropped(ILogger logger, int count, long unlogged);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job cache: an unreadable Redis {Field} entry was ignored ({Reason}); at most one such line a minute.")]
    public static partial void UnreadableEntry(ILogger logger, string field, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job cache: a Redis {Field} entry without this gateway's seal for its key was ignored (written with another Gateway:Cache:KeySecret, moved from another key, or altered in Redis); at most one such line a minute.")]
    public static partial void UnsealedEntry(ILogger logger, string field);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job cache: a Redis {Field} entry that cannot be its key's was ignored (another job's detail, a fetch in the future, or times past the field's longest TTL); at most one such line a minute.")]
    public static partial void ImplausibleEntry(ILogger logger, string field);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job cache: storing {Count} fetched {Field} entries failed unexpectedly; they go to memory only.")]
    public static partial void WriteBackFailed(ILogger logger, string field, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job cache: fetching {Field} for {Count} jobs failed unexpectedly.")]
    public static partial void FetchFailed(ILogger logger, string field, int count, Exception exception);
}
