using System.Text.Json;
using BitFaster.Caching;
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
/// The memory level is a concurrent W-TinyLFU cache (BitFaster.Caching's ConcurrentLfu) bounded by entry count:
/// the byte budget divided by the largest entry estimate, so it stays within the budget whatever it holds. Once
/// full, an answer leaving the window of recent answers takes the place of an older one only if its key has been
/// asked for more often: what pollers read is not pushed out by answers asked for once (a new token per request; almost
/// never: the frequencies are an approximate sketch, see CachingJobDataSourceTests),
/// and those leave with the window (which shrinks to 0.1 % of the level under a steady run of misses). They die
/// young instead of living through two thirds of the LRU this replaced and being promoted by the GC, which made
/// a cold request cost more CPU (bench/README.md, 2026-12-06: cheaper in every alternating pair).
/// An entry also leaves when it could no longer be served even stale. A MemoryCache with a size limit cost a
/// cold request far more (per-entry options and expiry tokens, size bookkeeping, compactions sorting every entry).
/// </remarks>
internal sealed class JobCacheTiers : IDisposable
{
    private readonly ISharedJobCache _shared;
    private readonly JobCacheMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ICache<string, IJobCacheEntry> _memory;
    private readonly long _entryBytes;

    // Change marks for the answer cache: every store and removal bumps its key's slot after it is made, so a reader that
    // read the mark before the entry sees any later change. Checking a mark costs no lookup in the level (a read there
    // counts as an access and may drain its buffers on the reading thread). 64 Ki slots, 512 KB.
    private readonly long[] _changes = new long[1 << 16];
    private long _lastMark;
    private volatile bool _disposed;

    public JobCacheTiers(ISharedJobCache shared, JobCacheMetrics metrics, JobCacheOptions options, TimeProvider clock, ILogger logger)
    {
        _shared = shared;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _entryBytes = CachedFields.MaxEntryBytes;
        var capacity = (int)Math.Clamp(options.MaxMemoryMegabytes * 1024L * 1024L / _entryBytes, 3, int.MaxValue);
        // An entry also leaves when it could no longer be served, even stale: otherwise dead entries, never read
        // again, would hold their place and their frequency against new ones.
        _memory = MemoryLevel.Create<IJobCacheEntry>(capacity, clock, static entry => entry.StaleUntil);
        metrics.ObserveMemory(() => MemoryStatistics);
    }

    /// <summary>Entries in the memory level now and their estimated bytes (an upper bound); null once disposed.</summary>
    // The meter, disposed after the cache, may still be scraped in between.
    public MemoryCacheStatistics? MemoryStatistics => _disposed ? null : new MemoryCacheStatistics
    {
        CurrentEntryCount = _memory.Count,
        CurrentEstimatedSize = _memory.Count * _entryBytes,
    };

    /// <summary>
    /// Where a store or removal of <paramref name="key"/> in memory is marked, and the mark now: read it before the entry,
    /// and <see cref="Unchanged"/> tells later whether anything was stored or removed there since. Many keys share a
    /// slot, so a change to another key can also change the mark (the safe direction: an answer executed once more).
    /// </summary>
    public long MarkOf(string key, out int slot)
    {
        slot = key.GetHashCode() & (_changes.Length - 1);
        return Volatile.Read(ref _changes[slot]);
    }

    /// <summary>Whether nothing was stored or removed in memory at <paramref name="slot"/> since <paramref name="mark"/> was read.</summary>
    public bool Unchanged(int slot, long mark) => Volatile.Read(ref _changes[slot]) == mark;

    /// <summary>What memory holds for <paramref name="key"/>, fresh or servable stale; one past its stale limit is dropped.</summary>
    public JobCacheEntry<T>? InMemory<T>(string key)
        where T : class
    {
        if (!_memory.TryGet(key, out var held) || held is not JobCacheEntry<T> entry)
        {
            return null;
        }

        if (entry.StaleUntil <= _clock.GetUtcNow())
        {
            _memory.TryRemove(key);
            MarkChanged(key);
            return null;
        }

        return entry;
    }

    /// <summary>Where <see cref="Store"/> collects entries for Redis; null without Redis (they go to memory at once).</summary>
    public List<(string Key, JobCacheEntry<T> Entry)>? NewWriteBack<T>(int capacity)
        where T : class =>
        _shared.IsConfigured ? new(capacity) : null;

    /// <summary>
    /// Reads Redis for <paramref name="keys"/> (one MGET): the entries in the keys' order, null where Redis
    /// has none, or null when there is no Redis or it did not answer. A fresh entry is its second use, so
    /// it is kept in memory too for the next poll; it expires there when it would have in Redis.
    /// </summary>
    public async Task<JobCacheEntry<T>?[]?> ReadSharedAsync<T>(CachedField<T> field, IReadOnlyList<string> keys, string region, DateTimeOffset now, CancellationToken cancellationToken)
        where T : class
    {
        if (keys.Count == 0 || !_shared.IsConfigured)
        {
            return null;
        }

        var stored = await _shared.ReadAsync(keys, cancellationToken);
        if (stored is null)
        {
            _metrics.Miss(CacheLevels.Redis, field.Name, region, keys.Count);
            return null;
        }

        var entries = new JobCacheEntry<T>?[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            var entry = entries[i] = Deserialize(field, stored[i]);
            if (entry is not null && entry.IsFreshAt(now))
            {
                Remember(field, keys[i], entry, now);
                _metrics.Hit(CacheLevels.Redis, field.Name, region);
            }
            else
            {
                _metrics.Miss(CacheLevels.Redis, field.Name, region);
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
        _memory.Clear();
    }

    private void MarkChanged(string key) => Volatile.Write(ref _changes[key.GetHashCode() & (_changes.Length - 1)], Interlocked.Increment(ref _lastMark));

    private void Remember<T>(CachedField<T> field, string key, JobCacheEntry<T> entry, DateTimeOffset now)
        where T : class
    {
        var keep = entry.StaleUntil - now;
        // A fetch may finish while the gateway stops: the memory level is gone by then.
        if (keep > TimeSpan.Zero && !_disposed)
        {
            _memory.AddOrUpdate(key, entry);
            MarkChanged(key);
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
