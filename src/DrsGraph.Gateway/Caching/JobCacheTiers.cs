using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// The cache's two levels, process memory and Redis (when configured), and the rule between them.
/// </summary>
/// <remarks>
/// With Redis up, an answer from DRS goes to Redis only, and enters process memory on its second use
/// (a Redis hit): a caller that asks once (a new token, a one-off query) then costs no long-lived heap,
/// which is what kept a busy gateway's memory high (bench/README.md, Findings 1 and 2). Without Redis,
/// or when a write fails, answers go to memory. Nothing here throws because of Redis.
/// </remarks>
internal sealed class JobCacheTiers : IDisposable
{
    private readonly ISharedJobCache _shared;
    private readonly JobCacheMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly MemoryCache _memory;
    private volatile bool _disposed;

    public JobCacheTiers(ISharedJobCache shared, JobCacheMetrics metrics, JobCacheOptions options, TimeProvider clock, ILogger logger)
    {
        _shared = shared;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _memory = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = options.MaxMemoryMegabytes * 1024L * 1024L,
            // Each compaction sorts every entry: when full (a gateway seeing many tokens stays full), evict a
            // quarter at a time rather than the default 5 %, so compactions are five times rarer.
            CompactionPercentage = 0.25,
            TrackStatistics = true,
        });
        metrics.ObserveMemory(() => MemoryStatistics);
    }

    /// <summary>Entries and estimated bytes in the memory level now; null once disposed.</summary>
    // The meter, disposed after the cache, may still be scraped in between.
    public MemoryCacheStatistics? MemoryStatistics => _disposed ? null : _memory.GetCurrentStatistics();

    /// <summary>What memory holds for <paramref name="key"/>, fresh or not.</summary>
    public JobCacheEntry<T>? InMemory<T>(string key)
        where T : class =>
        _memory.TryGetValue(key, out JobCacheEntry<T>? entry) ? entry : null;

    /// <summary>Where <see cref="Store"/> collects entries for Redis; null without Redis (they go to memory at once).</summary>
    public List<(string Key, JobCacheEntry<T> Entry)>? NewWriteBack<T>(int capacity)
        where T : class =>
        _shared.IsConfigured ? new(capacity) : null;

    /// <summary>
    /// Reads Redis for <paramref name="keys"/> (one MGET): the entries in the keys' order, null where Redis
    /// has none, or null when there is no Redis or it did not answer. A fresh entry is its second use, so
    /// it is kept in memory too for the next poll; it expires there when it would have in Redis.
    /// </summary>
    public async Task<JobCacheEntry<T>?[]?> ReadSharedAsync<T>(CachedField<T> field, IReadOnlyList<string> keys, DateTimeOffset now, CancellationToken cancellationToken)
        where T : class
    {
        if (keys.Count == 0 || !_shared.IsConfigured)
        {
            return null;
        }

        var stored = await _shared.ReadAsync(keys, cancellationToken);
        if (stored is null)
        {
            _metrics.Miss(CacheLevels.Redis, field.Name, keys.Count);
            return null;
        }

        var entries = new JobCacheEntry<T>?[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            var entry = entries[i] = Deserialize(field, stored[i]);
            if (entry is not null && entry.IsFreshAt(now))
            {
                Remember(field, keys[i], entry, now);
                _metrics.Hit(CacheLevels.Redis, field.Name);
            }
            else
            {
                _metrics.Miss(CacheLevels.Redis, field.Name);
            }
        }

        return entries;
    }

    /// <summary>Keeps a fetched entry: in memory now, or into <paramref name="writeBack"/> when there is Redis.</summary>
    public void Store<T>(CachedField<T> field, string key, JobCacheEntry<T> entry, DateTimeOffset now, List<(string Key, JobCacheEntry<T> Entry)>? writeBack)
        where T : class
    {
        if (entry.StaleUntil <= now)
        {
            return;
        }

        if (writeBack is null)
        {
            Remember(field, key, entry, now);
        }
        else
        {
            writeBack.Add((key, entry));
        }
    }

    /// <summary>Writes fetched entries to Redis; those it could not store go to memory instead. Never throws.</summary>
    public async Task WriteBackAsync<T>(CachedField<T> field, List<(string Key, JobCacheEntry<T> Entry)> entries, DateTimeOffset fetchedAt)
        where T : class
    {
        try
        {
            var writes = new SharedCacheWrite[entries.Count];
            for (var i = 0; i < entries.Count; i++)
            {
                var (key, entry) = entries[i];
                writes[i] = new SharedCacheWrite(key, JsonSerializer.SerializeToUtf8Bytes(entry, field.Json), entry.StaleUntil - fetchedAt);
            }

            if (await _shared.WriteAsync(writes))
            {
                return;
            }
        }
        catch (Exception exception)
        {
            JobCacheLog.WriteBackFailed(_logger, field.Name, entries.Count, exception);
        }

        // Redis is down, full or failing: without this the next request would have to ask DRS again.
        var now = _clock.GetUtcNow();
        foreach (var (key, entry) in entries)
        {
            Remember(field, key, entry, now);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _memory.Dispose();
    }

    private void Remember<T>(CachedField<T> field, string key, JobCacheEntry<T> entry, DateTimeOffset now)
        where T : class
    {
        var keep = entry.StaleUntil - now;
        // A fetch may finish while the gateway stops: the memory level is gone by then.
        if (keep > TimeSpan.Zero && !_disposed)
        {
            _memory.Set(key, entry, new MemoryCacheEntryOptions { Size = field.SizeOf(key), AbsoluteExpirationRelativeToNow = keep });
        }
    }

    private JobCacheEntry<T>? Deserialize<T>(CachedField<T> field, byte[]? bytes)
        where T : class
    {
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, field.Json);
        }
        catch (JsonException exception)
        {
            JobCacheLog.UnreadableEntry(_logger, exception);
            return null;
        }
    }
}
