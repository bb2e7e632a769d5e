using System.Buffers;
using System.Text.Json;
using BitFaster.Caching;
using Microsoft.Extensions.Caching.Memory;
using StackExchange.Redis;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// The cache's two levels, process memory and Redis (when configured), and the rule between them.
/// </summary>
/// <remarks>
/// With Redis up, an answer from DRS goes to Redis only, and enters process memory on its second use
/// (a Redis hit): a caller that asks once (a new token, a one-off query) then costs no long-lived heap,
/// which is what kept a busy gateway's memory high (bench/README.md, Findings 1 and 2). Without Redis,
/// or when a write fails, answers go to memory. Nothing here throws because of Redis.
/// The memory level is a concurrent W-TinyLFU cache (BitFaster.Caching's ConcurrentLfu) and, beside it, a small
/// first-use window (a queue, 1 % of the level), bounded together by entry count: the byte budget divided by the largest
/// entry estimate, so they stay within the budget whatever they hold. While the W-TinyLFU has room, every answer enters
/// it. Once it is full, an answer whose key the doorkeeper has not seen recently waits in the first-use window, there for
/// the next request, and leaves young; a key that comes back enters the W-TinyLFU, which keeps it over an older entry
/// only if it has been asked for more often. So what pollers read is not pushed out by answers asked for once (a new
/// token per request), and those never reach the W-TinyLFU's frequency sketch, which a flood of them saturated
/// (bench/README.md, 2026-12-06 14:00). They die young instead of being promoted by the GC, which made a cold request
/// cost more CPU (the LRU before the W-TinyLFU kept them through two thirds of its places).
/// An entry also leaves when it could no longer be served even stale. A MemoryCache with a size limit cost a
/// cold request far more (per-entry options and expiry tokens, size bookkeeping, compactions sorting every entry).
/// </remarks>
internal sealed class JobCacheTiers : IDisposable
{
    private readonly ISharedJobCache _shared;
    private readonly RedisSeal _seal;
    private readonly JobCacheMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ICache<JobKey, IJobCacheEntry> _memory;
    private readonly ICache<JobKey, IJobCacheEntry> _firstUse;
    private readonly Doorkeeper _doorkeeper;
    private readonly int _memoryCapacity;
    private readonly int _recountEvery;
    private readonly Lock _counting = new();
    private readonly long _entryBytes;
    private readonly JobCacheOptions _options;

    // Entries in the W-TinyLFU at the last count, plus the writes to it since: an upper bound between counts, which
    // are a walk of the whole level (its Count), so they are made only every _recountEvery stores or second.
    private int _memoryCount;
    private int _storesSinceCount;
    private long _countedAt; // Environment.TickCount64; 0 (boot) makes the first store count

    // Entries Redis holds that are not served: at most one line a minute, or a Redis written by hand (or replicas with
    // other TTLs or another secret during a rollout) would log one line per entry read, at request rate.
    // One throttle per kind, so one kind's line does not hide another's for the minute.
    private readonly Observability.LogThrottle _unsealedLines = new(TimeSpan.FromMinutes(1));
    private readonly Observability.LogThrottle _unreadableLines = new(TimeSpan.FromMinutes(1));
    private readonly Observability.LogThrottle _implausibleLines = new(TimeSpan.FromMinutes(1));

    // Change marks for the answer cache: every store and removal bumps its key's slot after it is made, so a reader that
    // read the mark before the entry sees any later change. Checking a mark costs no lookup in the level (a read there
    // counts as an access and may drain its buffers on the reading thread). 64 Ki slots, 512 KB.
    private readonly long[] _changes = new long[1 << 16];
    private long _lastMark;
    private volatile bool _disposed;

    // What a write back serializes each entry into before it is sealed (one per thread; the serializing is synchronous).
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_serialized;
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public JobCacheTiers(ISharedJobCache shared, RedisSeal seal, JobCacheMetrics metrics, JobCacheOptions options, TimeProvider clock, ILogger logger)
    {
        _shared = shared;
        _seal = seal;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _options = options;
        _entryBytes = CachedFields.MaxEntryBytes;
        var budget = options.MaxMemoryMegabytes * 1024L * 1024L;
        var entries = (int)Math.Clamp(budget / _entryBytes, 6, int.MaxValue);
        // Keys are remembered over ten levels' worth of stores, the period over which the W-TinyLFU's frequency
        // sketch ages; its bytes (1-2 % of the budget) come out of the entries' share.
        _doorkeeper = new Doorkeeper((int)Math.Min(10L * entries, 1 << 26));
        entries = (int)Math.Clamp((budget - _doorkeeper.Bytes) / _entryBytes, 6, int.MaxValue);
        // 1 % of the level, at least what one large batch (100 jobs) stores, so an answer is there for the next request.
        var firstUse = Math.Max(entries / 100, Math.Min(128, entries / 2));
        _memoryCapacity = entries - firstUse;
        _recountEvery = Math.Max(_memoryCapacity / 8, 64);
        _firstUse = MemoryLevel.CreateQueue<JobKey, IJobCacheEntry>(firstUse, EqualityComparer<JobKey>.Default);
        // An entry also leaves when it could no longer be served, even stale: otherwise dead entries, never read
        // again, would hold their place and their frequency against new ones.
        _memory = MemoryLevel.Create<JobKey, IJobCacheEntry>(_memoryCapacity, clock, static entry => entry.StaleUntil, EqualityComparer<JobKey>.Default);
        metrics.ObserveMemory(() => MemoryStatistics);
    }

    /// <summary>Entries in the memory level now and their estimated bytes (an upper bound); null once disposed.</summary>
    // The meter, disposed after the cache, may still be scraped in between.
    public MemoryCacheStatistics? MemoryStatistics => _disposed ? null : StatisticsOf(_memory.Count + _firstUse.Count);

    // Each level's Count walks its whole map: counted once per scrape, not once per figure.
    private MemoryCacheStatistics StatisticsOf(int entries) => new()
    {
        CurrentEntryCount = entries,
        CurrentEstimatedSize = (entries * _entryBytes) + _doorkeeper.Bytes,
    };

    /// <summary>
    /// Where a store or removal of <paramref name="key"/> in memory is marked, and the mark now: read it before the entry,
    /// and <see cref="Unchanged"/> tells later whether anything was stored or removed there since. Many keys share a
    /// slot, so a change to another key can also change the mark (the safe direction: an answer executed once more).
    /// </summary>
    public long MarkOf(JobKey key, out int slot)
    {
        slot = key.GetHashCode() & (_changes.Length - 1);
        return Volatile.Read(ref _changes[slot]);
    }

    /// <summary>Whether nothing was stored or removed in memory at <paramref name="slot"/> since <paramref name="mark"/> was read.</summary>
    public bool Unchanged(int slot, long mark) => Volatile.Read(ref _changes[slot]) == mark;

    /// <summary>What memory holds for <paramref name="key"/>, fresh or servable stale; one past its stale limit is dropped.</summary>
    public JobCacheEntry<T>? InMemory<T>(JobKey key)
        where T : class
    {
        var level = _memory;
        if (!level.TryGet(key, out var held))
        {
            level = _firstUse;
            if (!level.TryGet(key, out held))
            {
                return null;
            }
        }

        if (held is not JobCacheEntry<T> entry)
        {
            return null;
        }

        if (entry.StaleUntil <= _clock.GetUtcNow())
        {
            level.TryRemove(key);
            MarkChanged(key);
            return null;
        }

        return entry;
    }

    /// <summary>Whether there is a Redis level (configured; it may still be down).</summary>
    public bool HasShared => _shared.IsConfigured;

    /// <summary>Where <see cref="Store"/> collects entries for Redis; null without Redis (they go to memory at once).</summary>
    public List<(JobKey Key, JobCacheEntry<T> Entry)>? NewWriteBack<T>(int capacity)
        where T : class =>
        HasShared ? new(capacity) : null;

    /// <summary>
    /// Reads Redis for <paramref name="keys"/> (one MGET): the entries in the keys' order, null where Redis
    /// has none, or null when there is no Redis or it did not answer. A fresh entry is its second use, so
    /// it is kept in memory too for the next poll; it expires there when it would have in Redis.
    /// </summary>
    public async Task<JobCacheEntry<T>?[]?> ReadSharedAsync<T>(CachedField<T> field, IReadOnlyList<JobKey> keys, string region, DateTimeOffset now, CancellationToken cancellationToken)
        where T : class
    {
        if (keys.Count == 0 || !HasShared)
        {
            return null;
        }

        var redisKeys = new RedisKey[keys.Count];
        for (var i = 0; i < redisKeys.Length; i++)
        {
            redisKeys[i] = keys[i].ToRedisKey();
        }

        var stored = await _shared.ReadAsync(redisKeys, cancellationToken);
        if (stored is null)
        {
            _metrics.Miss(CacheLevels.Redis, field.Name, region, keys.Count);
            return null;
        }

        var entries = new JobCacheEntry<T>?[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            var entry = entries[i] = Deserialize(field, stored[i], keys[i], now);
            if (entry is not null && entry.IsFreshAt(now))
            {
                Remember(keys[i], entry, now, secondUse: true);
                _metrics.Hit(CacheLevels.Redis, field.Name, region);
            }
            else
            {
                if (entry is not null && entry.StaleUntil > now)
                {
                    // Stale, but what the request will be served if DRS fails or its budget runs out first, which looks in
                    // memory only (CachingJobDataSource.Held): kept there too, as an answer read once.
                    Remember(keys[i], entry, now, secondUse: false);
                }

                _metrics.Miss(CacheLevels.Redis, field.Name, region);
            }
        }

        return entries;
    }

    /// <summary>Keeps a fetched entry: in memory now, or into <paramref name="writeBack"/> when there is Redis.</summary>
    public void Store<T>(JobKey key, JobCacheEntry<T> entry, DateTimeOffset now, List<(JobKey Key, JobCacheEntry<T> Entry)>? writeBack)
        where T : class
    {
        if (entry.StaleUntil <= now)
        {
            return;
        }

        if (writeBack is null)
        {
            Remember(key, entry, now, secondUse: false);
        }
        else
        {
            writeBack.Add((key, entry));
            // A newer answer (a job list's or a poll's status) must not leave this replica's older copy answering from
            // memory until its TTL: one answer showed a job's old status beside the list's new one.
            if (DetailSize.IsLarge(entry))
            {
                // Never into the W-TinyLFU (see Remember): an older copy there is dropped rather than replaced.
                Drop(key);
            }
            else if (UpdateIfNewer(_memory, key, entry) | UpdateIfNewer(_firstUse, key, entry))
            {
                MarkChanged(key);
            }
        }
    }

    /// <summary>
    /// Drops what both levels hold for <paramref name="keys"/>, fresh or stale: DRS refused the token they were fetched
    /// with, and an entry kept would still answer that token while DRS is out (a stale fallback). Never throws.
    /// </summary>
    public Task ForgetAsync(IReadOnlyList<JobKey> keys)
    {
        foreach (var key in keys)
        {
            Drop(key);
        }

        return HasShared ? _shared.ForgetAsync([.. keys.Select(k => k.ToRedisKey())]) : Task.CompletedTask;
    }

    /// <summary>Removes <paramref name="key"/> from both memory levels, marking the change when either held it.</summary>
    private void Drop(JobKey key)
    {
        if (_memory.TryRemove(key) | _firstUse.TryRemove(key))
        {
            MarkChanged(key);
        }
    }

    /// <summary>Writes fetched entries to Redis; those it could not store go to memory instead. Never throws.</summary>
    public async Task WriteBackAsync<T>(CachedField<T> field, List<(JobKey Key, JobCacheEntry<T> Entry)> entries, DateTimeOffset fetchedAt)
        where T : class
    {
        try
        {
            var writes = new SharedCacheWrite[entries.Count];
            var serialized = t_serialized ??= new ArrayBufferWriter<byte>(4096);
            var writer = t_writer ??= new Utf8JsonWriter(serialized, new JsonWriterOptions { SkipValidation = true });
            for (var i = 0; i < entries.Count; i++)
            {
                var (key, entry) = entries[i];
                serialized.ResetWrittenCount();
                writer.Reset(serialized);
                JsonSerializer.Serialize(writer, entry, field.Json);
                writer.Flush();
                var value = _seal.Seal(key.Scope.RedisPrefixFor(key.Field), key.JobId, serialized.WrittenSpan);
                writes[i] = new SharedCacheWrite(key.ToRedisKey(), value, entry.StaleUntil - fetchedAt);
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
            Remember(key, entry, now, secondUse: false);
        }
    }

    /// <summary>Replaces the level's copy of <paramref name="key"/>, if it has one fetched no later (a slow list walk's status must not replace a newer answer).</summary>
    private static bool UpdateIfNewer<T>(ICache<JobKey, IJobCacheEntry> level, JobKey key, JobCacheEntry<T> entry)
        where T : class =>
        level.TryGet(key, out var held) && held is JobCacheEntry<T> older && older.FetchedAt <= entry.FetchedAt && level.TryUpdate(key, entry);

    public void Dispose()
    {
        _disposed = true;
        _memory.Clear();
        _firstUse.Clear();
    }

    private void MarkChanged(JobKey key) => MarkChanged(key.GetHashCode());

    private void MarkChanged(int hash) => Volatile.Write(ref _changes[hash & (_changes.Length - 1)], Interlocked.Increment(ref _lastMark));

    /// <summary>
    /// Keeps an entry in memory. While the W-TinyLFU has room, it goes there. Once it is full, an answer whose key was
    /// not stored recently (the doorkeeper) goes to the small first-use window instead, where it is there for the next
    /// request and then leaves young; a key stored again (a poller's next poll), or read again from Redis, goes to the
    /// W-TinyLFU, whose frequencies then count only keys that come back.
    /// </summary>
    /// <remarks>
    /// Without this, a flood of one-off answers (a new token per request) went through the W-TinyLFU's admission: its
    /// frequency sketch, sized for the level, saturated, and about 6 % of them won against an older entry at random,
    /// to live seconds in the level, be promoted by the GC and die old (bench/README.md, 2026-12-06 14:00).
    /// </remarks>
    private void Remember(JobKey key, IJobCacheEntry entry, DateTimeOffset now, bool secondUse)
    {
        var keep = entry.StaleUntil - now;
        // A fetch may finish while the gateway stops: the memory level is gone by then.
        if (keep <= TimeSpan.Zero || _disposed)
        {
            return;
        }

        var hash = key.GetHashCode();
        if (DetailSize.Of(entry) is var extra and > DetailSize.UsualExtraBytes)
        {
            // The level counts entries, each estimated at the usual size: a detail with tens of long tags held several
            // times its share, and thousands of them several times the budget. Such a detail waits in the first-use
            // window only (1 % of the level's entries, each at most MaxExtraBytes more: about 10 MB at the default budget), so the next request still
            // finds it; larger still, it is not kept in memory at all (Redis, when there is one, still has it).
            _memory.TryRemove(key);
            if (extra > DetailSize.MaxExtraBytes)
            {
                _firstUse.TryRemove(key);
            }
            else
            {
                _firstUse.AddOrUpdate(key, entry);
            }

            MarkChanged(hash);
            return;
        }

        var seen = _doorkeeper.SeenBefore(hash);
        if (secondUse || seen || !MemoryFull())
        {
            _memory.AddOrUpdate(key, entry);
            Interlocked.Increment(ref _memoryCount);
            if (seen || secondUse)
            {
                // A read counts as a use in the level's frequency sketch: it learns of the earlier one the doorkeeper (or
                // Redis) remembered, so a returning key weighs what it has been asked, not what the level itself saw.
                _memory.TryGet(key, out _);
            }

            // A key the level already holds is updated in place; the first-use window's copy, if any, is older.
            _firstUse.TryRemove(key);
        }
        else
        {
            _firstUse.AddOrUpdate(key, entry);
        }

        MarkChanged(hash);
    }

    /// <summary>Whether the W-TinyLFU is full, by the last count (recounted every eighth of it in stores, or every second).</summary>
    private bool MemoryFull()
    {
        // Environment.TickCount64, not the cache's clock: this paces the work of counting, it decides nothing about entries.
        if (Interlocked.Increment(ref _storesSinceCount) >= _recountEvery || Environment.TickCount64 - Volatile.Read(ref _countedAt) >= 1000)
        {
            Recount();
        }

        return Volatile.Read(ref _memoryCount) >= _memoryCapacity;
    }

    private void Recount()
    {
        if (!_counting.TryEnter())
        {
            return;
        }

        try
        {
            // Entries past their deadline leave on the level's own writes and reads; when every new answer goes to the
            // first-use window there are none, so they are let go here, before counting, or a level full of dead
            // entries would stay full.
            if (_memory.Policy.ExpireAfter.HasValue)
            {
                _memory.Policy.ExpireAfter.Value!.TrimExpired();
            }

            Volatile.Write(ref _memoryCount, _memory.Count);
            Volatile.Write(ref _storesSinceCount, 0);
            Volatile.Write(ref _countedAt, Environment.TickCount64);
        }
        finally
        {
            _counting.Exit();
        }
    }

    /// <summary>
    /// An entry read from Redis, or null when there is none or it cannot be this key's: Redis is outside the process, and
    /// what it holds is checked before it is served (and kept in memory). An entry whose times claim more than its field's
    /// longest TTL (and the stale grace) from when it says it was fetched, or a fetch in the future, would be served for as
    /// long as it says (one written with a year-2099 freshness was served until the process restarted); a detail of
    /// another job under this job's key would answer for it.
    /// </summary>
    private JobCacheEntry<T>? Deserialize<T>(CachedField<T> field, byte[]? bytes, JobKey key, DateTimeOffset now)
        where T : class
    {
        if (bytes is null)
        {
            return null;
        }

        // Sealed for this key with this gateway's secret, or not one of ours (RedisSeal).
        var length = _seal.Open(key.Scope.RedisPrefixFor(key.Field), key.JobId, bytes);
        if (length < 0)
        {
            if (_unsealedLines.MayLog())
            {
                JobCacheLog.UnsealedEntry(_logger, field.Name);
            }

            return null;
        }

        JobCacheEntry<T>? entry;
        try
        {
            entry = JsonSerializer.Deserialize(bytes.AsSpan(0, length), field.Json);
        }
        catch (JsonException exception)
        {
            // The reader's message says where; a stack trace per entry would flood the log at request rate.
            if (_unreadableLines.MayLog())
            {
                JobCacheLog.UnreadableEntry(_logger, field.Name, exception.Message);
            }

            return null;
        }

        var longest = field.LongestTtl(_options);
        if (entry is null
            || entry.FetchedAt > now + ClockSkew
            || entry.FreshUntil - entry.FetchedAt > longest
            || entry.StaleUntil - entry.FetchedAt > longest + _options.StaleGrace
            || (entry.Value is Jobs.JobDetail detail && !string.Equals(detail.Id, key.JobId, StringComparison.Ordinal)))
        {
            if (_implausibleLines.MayLog())
            {
                JobCacheLog.ImplausibleEntry(_logger, field.Name);
            }

            return null;
        }

        return entry;
    }

    // Replicas' clocks differ a little: an entry another replica fetched "in a moment" by this one's clock is still its.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);
}
