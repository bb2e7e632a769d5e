using System.Text.Json;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// The job cache, as a decorator of the DataLoaders' <see cref="IJobDataSource"/>. For each batch of
/// one field: fresh entries from process memory; for the rest, join another request's fetch in flight
/// or own a new one, which reads Redis with one MGET, asks DRS once for what is still missing, hands
/// the answers to everyone waiting and stores them.
/// </summary>
/// <remarks>
/// Keys are partitioned by DRS endpoint, project, caller token (keyed hash) and language: see
/// <see cref="JobCacheKeys"/>. Values and "not found"/"deleted" answers are cached; every other error
/// is not. When DRS fails transiently, an expired value still within its grace period is served with
/// <see cref="Freshness.Stale"/> set. Nothing here throws because of Redis.
/// <para>
/// With Redis up, an answer from DRS goes to Redis only, and enters process memory on its second use
/// (a Redis hit): a caller that asks once (a new token, a one-off query) then costs no long-lived heap,
/// which is what kept a busy gateway's memory high (bench/README.md, Findings 1 and 2). The fetch keeps
/// its keys claimed until Redis has stored them, so a request arriving meanwhile joins the finished
/// fetch rather than missing both levels. Without Redis, or when a write fails, answers go to memory.
/// </para>
/// </remarks>
public sealed class CachingJobDataSource : IJobDataSource, IDisposable
{
    private readonly IJobDataSource _inner;
    private readonly JobCacheKeys _keys;
    private readonly ISharedJobCache _shared;
    private readonly JobCacheMetrics _metrics;
    private readonly JobCacheOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly MemoryCache _memory;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _claiming = new();
    private volatile bool _disposed;
    private readonly CachedField<JobStatusInfo> _status = CachedFields.Status();
    private readonly CachedField<JobProgress> _progress = CachedFields.Progress();
    private readonly CachedField<JobDetail> _detail = CachedFields.Detail();

    // inner: where misses are fetched, normally DrsJobDataSource. clock: the expiry clock, separate from
    // the app's so tests can move it without stalling the DRS client's retries.
    public CachingJobDataSource(
        IJobDataSource inner,
        JobCacheKeys keys,
        ISharedJobCache shared,
        JobCacheMetrics metrics,
        IOptions<JobCacheOptions> options,
        TimeProvider clock,
        ILogger<CachingJobDataSource> logger)
    {
        _inner = inner;
        _keys = keys;
        _shared = shared;
        _metrics = metrics;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        _memory = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = _options.MaxMemoryMegabytes * 1024L * 1024L,
            // Each compaction sorts every entry: when full (a gateway seeing many tokens stays full), evict a
            // quarter at a time rather than the default 5 %, so compactions are five times rarer.
            CompactionPercentage = 0.25,
            TrackStatistics = true,
        });
        metrics.ObserveMemory(() => MemoryStatistics);
        JobCacheLog.Started(logger, shared.IsConfigured ? " + Redis" : " only", _options.Partition);
        if (shared.IsConfigured && keys.UsesRandomSecret && _options.Partition == CachePartition.Token)
        {
            JobCacheLog.RandomSecretWithRedis(logger);
        }

        if (_options.Partition == CachePartition.Project)
        {
            JobCacheLog.ProjectPartition(logger);
        }
    }

    private delegate Task<IReadOnlyDictionary<string, DrsResult<Fetched<T>>>> Fetch<T>(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken)
        where T : class;

    public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>>> GetStatusesAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        GetAsync(_status, caller, jobIds, _inner.GetStatusesAsync, cancellationToken);

    public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>>> GetProgressAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        GetAsync(_progress, caller, jobIds, _inner.GetProgressAsync, cancellationToken);

    public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>>> GetDetailsAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        GetAsync(_detail, caller, jobIds, _inner.GetDetailsAsync, cancellationToken);

    /// <summary>Entries and estimated bytes in the memory level now (also published as metrics).</summary>
    // Null once disposed: the meter, disposed after this singleton, may still be scraped in between.
    public MemoryCacheStatistics? MemoryStatistics => _disposed ? null : _memory.GetCurrentStatistics();

    /// <summary>
    /// Keys claimed by fetches in flight: asked of DRS, or answered and not yet stored. Zero when idle
    /// (for tests and diagnostics: counting locks every map).
    /// </summary>
    public int KeysInFlight => _status.InFlight.Count + _progress.InFlight.Count + _detail.InFlight.Count;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping.Cancel();
        _stopping.Dispose();
        _memory.Dispose();
    }

    private async Task<IReadOnlyDictionary<string, DrsResult<Fetched<T>>>> GetAsync<T>(
        CachedField<T> field, DrsCaller caller, IReadOnlyList<string> jobIds, Fetch<T> fetch, CancellationToken cancellationToken)
        where T : class
    {
        var scope = _keys.ScopeOf(caller);
        var now = _clock.GetUtcNow();
        var results = new Dictionary<string, DrsResult<Fetched<T>>>(jobIds.Count, StringComparer.Ordinal);
        List<Miss<T>>? owned = null;
        List<(string Id, string Key, Task<DrsResult<Fetched<T>>> Answer, bool Joined)>? waits = null;
        var coalesced = 0;
        List<(string Id, string Key, JobCacheEntry<T>? Stale)>? misses = null;
        foreach (var id in jobIds.Distinct(StringComparer.Ordinal))
        {
            var key = JobCacheKeys.KeyOf(scope, field.Name, id);
            JobCacheEntry<T>? stale = null;
            if (_memory.TryGetValue(key, out JobCacheEntry<T>? entry) && entry is not null)
            {
                if (entry.IsFreshAt(now))
                {
                    results[id] = Answer(entry, stale: false);
                    continue;
                }

                stale = entry.CanServeStaleAt(now) ? entry : null;
            }

            (misses ??= []).Add((id, key, stale));
        }

        if (misses is not null)
        {
            // One batch claims its keys at a time: two batches for the same IDs arriving together would
            // otherwise interleave, each claiming some keys and joining the rest, and ask DRS twice.
            // (A fetch finishing meanwhile is caught by FetchAsync's second look at memory.)
            lock (_claiming)
            {
                foreach (var (id, key, stale) in misses)
                {
                    // Join the fetch another request has in flight for this key, or claim the key and fetch it ourselves.
                    while (true)
                    {
                        if (field.InFlight.TryGetValue(key, out var inFlight))
                        {
                            (waits ??= []).Add((id, key, inFlight.Task, true));
                            coalesced++;
                            break;
                        }

                        var completion = new TaskCompletionSource<DrsResult<Fetched<T>>>(TaskCreationOptions.RunContinuationsAsynchronously);
                        if (field.InFlight.TryAdd(key, completion))
                        {
                            (owned ??= []).Add(new Miss<T>(id, key, completion, stale));
                            (waits ??= []).Add((id, key, completion.Task, false));
                            break;
                        }
                    }
                }
            }
        }

        _metrics.Hit(CacheLevels.Memory, field.Name, results.Count);
        _metrics.Miss(CacheLevels.Memory, field.Name, waits?.Count ?? 0);
        _metrics.Coalesced(field.Name, coalesced);
        if (owned is not null)
        {
            // Not tied to this request's token: others may be waiting for the same fetch. The DRS
            // client's own timeouts bound it; waiters give up on their own tokens below, and when this
            // request gives up, its claims go with it (Release).
            _ = FetchAsync(field, caller, owned, fetch);
        }

        List<(string Id, string Key)>? refetch = null;
        foreach (var (id, key, answer, joined) in waits ?? [])
        {
            DrsResult<Fetched<T>> result;
            try
            {
                result = await answer.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (owned is not null)
            {
                Release(field, owned);
                throw;
            }

            if (joined && result.Error is { Kind: DrsErrorKind.Unauthorized or DrsErrorKind.Forbidden } && _options.Partition == CachePartition.Project)
            {
                // Partitioned by project, the fetch we joined may have been another token's, and DRS's
                // refusal of that token says nothing about ours: ask with our own.
                (refetch ??= []).Add((id, key));
                continue;
            }

            results[id] = result;
        }

        if (refetch is not null)
        {
            await RefetchAsync(field, caller, refetch, fetch, results, cancellationToken);
        }

        return results;
    }

    private async Task RefetchAsync<T>(
        CachedField<T> field, DrsCaller caller, List<(string Id, string Key)> misses, Fetch<T> fetch, Dictionary<string, DrsResult<Fetched<T>>> results, CancellationToken cancellationToken)
        where T : class
    {
        _metrics.Upstream(field.Name, misses.Count);
        var answers = await fetch(caller, [.. misses.Select(m => m.Id)], cancellationToken);
        var fetchedAt = _clock.GetUtcNow();
        var writeBack = _shared.IsConfigured ? new List<(string Key, JobCacheEntry<T> Entry)>(misses.Count) : null;
        foreach (var (id, key) in misses)
        {
            results[id] = Settle(field, key, null, AnswerOrMissing(answers, id), fetchedAt, writeBack);
        }

        if (writeBack is { Count: > 0 })
        {
            // These keys were not claimed (another token's fetch held them), so nothing waits for the write.
            _ = WriteBackAsync(field, writeBack, fetchedAt);
        }
    }

    private async Task FetchAsync<T>(CachedField<T> field, DrsCaller caller, List<Miss<T>> misses, Fetch<T> fetch)
        where T : class
    {
        try
        {
            var now = _clock.GetUtcNow();
            var toRead = new List<Miss<T>>(misses.Count);
            foreach (var miss in misses)
            {
                // A fetch that finished between our memory lookup and our claim has stored the answer already
                // (in memory, or in Redis, which is read next).
                if (_memory.TryGetValue(miss.Key, out JobCacheEntry<T>? entry) && entry is not null && entry.IsFreshAt(now))
                {
                    miss.Completion.TrySetResult(Answer(entry, stale: false));
                }
                else
                {
                    toRead.Add(miss);
                }
            }

            var toFetch = await ReadSharedAsync(field, toRead, now);
            if (toFetch.Count == 0)
            {
                return;
            }

            _metrics.Upstream(field.Name, toFetch.Count);
            var answers = await fetch(caller, [.. toFetch.Select(m => m.Id)], _stopping.Token);
            var fetchedAt = _clock.GetUtcNow();
            var writeBack = _shared.IsConfigured ? new List<(string Key, JobCacheEntry<T> Entry)>(toFetch.Count) : null;
            foreach (var miss in toFetch)
            {
                miss.Completion.TrySetResult(Settle(field, miss.Key, miss.Stale, AnswerOrMissing(answers, miss.Id), fetchedAt, writeBack));
            }

            if (writeBack is { Count: > 0 })
            {
                // The answers are out; the keys stay claimed until a level holds them (see the remarks).
                await WriteBackAsync(field, writeBack, fetchedAt);
            }
        }
        catch (Exception exception)
        {
            if (exception is not OperationCanceledException)
            {
                JobCacheLog.FetchFailed(_logger, field.Name, misses.Count, exception);
            }

            foreach (var miss in misses)
            {
                miss.Completion.TrySetException(exception);
            }
        }
        finally
        {
            foreach (var miss in misses)
            {
                field.InFlight.TryRemove(new KeyValuePair<string, TaskCompletionSource<DrsResult<Fetched<T>>>>(miss.Key, miss.Completion));
            }
        }
    }

    /// <summary>
    /// The request that owns a fetch gave up (its budget ran out, or it was cancelled): its keys are
    /// unclaimed, so the next request for them starts a fetch of its own instead of joining one that may
    /// hang until the DRS client's own timeouts end it (a stalled body once kept a job's key claimed for
    /// 400 s). Whoever already joined still gets the fetch's answer, and the fetch still stores it.
    /// </summary>
    private static void Release<T>(CachedField<T> field, List<Miss<T>> owned)
        where T : class
    {
        foreach (var miss in owned)
        {
            field.InFlight.TryRemove(new KeyValuePair<string, TaskCompletionSource<DrsResult<Fetched<T>>>>(miss.Key, miss.Completion));
        }
    }

    /// <summary>Answers what Redis holds fresh (one MGET); returns the misses, each with the newest stale fallback known.</summary>
    private async Task<List<Miss<T>>> ReadSharedAsync<T>(CachedField<T> field, List<Miss<T>> misses, DateTimeOffset now)
        where T : class
    {
        if (misses.Count == 0 || !_shared.IsConfigured)
        {
            return misses;
        }

        var stored = await _shared.ReadAsync([.. misses.Select(m => m.Key)], _stopping.Token);
        if (stored is null)
        {
            _metrics.Miss(CacheLevels.Redis, field.Name, misses.Count);
            return misses;
        }

        var remaining = new List<Miss<T>>(misses.Count);
        for (var i = 0; i < misses.Count; i++)
        {
            var miss = misses[i];
            var entry = Deserialize(field, stored[i]);
            if (entry is not null && entry.IsFreshAt(now))
            {
                // Its second use: keep it close for the next poll; it expires when it would have in Redis.
                Remember(field, miss.Key, entry, now);
                _metrics.Hit(CacheLevels.Redis, field.Name);
                miss.Completion.TrySetResult(Answer(entry, stale: false));
                continue;
            }

            _metrics.Miss(CacheLevels.Redis, field.Name);
            var fallback = entry is not null && entry.CanServeStaleAt(now) && (miss.Stale is null || entry.FetchedAt > miss.Stale.FetchedAt)
                ? entry
                : miss.Stale;
            remaining.Add(miss with { Stale = fallback });
        }

        return remaining;
    }

    /// <summary>
    /// Caches what DRS said when it is worth caching (in memory now, or into <paramref name="writeBack"/>
    /// for Redis when there is one), and picks what the waiters get.
    /// </summary>
    private DrsResult<Fetched<T>> Settle<T>(CachedField<T> field, string key, JobCacheEntry<T>? fallback, DrsResult<Fetched<T>> answer, DateTimeOffset fetchedAt, List<(string Key, JobCacheEntry<T> Entry)>? writeBack)
        where T : class
    {
        if (answer.Value is { Value: var value })
        {
            var ttl = field.TtlOf(value, _options);
            var entry = new JobCacheEntry<T>(value, null, fetchedAt, fetchedAt + ttl, fetchedAt + ttl + _options.StaleGrace);
            Store(field, key, entry, fetchedAt, writeBack);
            return Answer(entry, stale: false);
        }

        var error = answer.Error!;
        if (error.Kind is DrsErrorKind.NotFound or DrsErrorKind.Deleted)
        {
            // Briefly: a job created a moment ago may not be visible yet, and must show up soon.
            Store(field, key, new JobCacheEntry<T>(null, error, fetchedAt, fetchedAt + _options.NegativeTtl, fetchedAt + _options.NegativeTtl), fetchedAt, writeBack);
            return answer;
        }

        // Only transient trouble gets the stale value: a 401/403 must never be papered over with data.
        if (error.IsTransient && fallback is { } stale && stale.CanServeStaleAt(fetchedAt))
        {
            _metrics.Stale(field.Name);
            return Answer(stale, stale: true);
        }

        return answer;
    }

    private void Store<T>(CachedField<T> field, string key, JobCacheEntry<T> entry, DateTimeOffset now, List<(string Key, JobCacheEntry<T> Entry)>? writeBack)
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
    private async Task WriteBackAsync<T>(CachedField<T> field, List<(string Key, JobCacheEntry<T> Entry)> entries, DateTimeOffset fetchedAt)
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

    private static DrsResult<Fetched<T>> AnswerOrMissing<T>(IReadOnlyDictionary<string, DrsResult<Fetched<T>>> answers, string id)
        where T : class =>
        answers.TryGetValue(id, out var found)
            ? found
            : DrsResult<Fetched<T>>.Failure(new DrsError(DrsErrorCodes.MissingFromResponse, $"No answer for job '{id}'.", DrsErrorKind.Protocol));

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

    private static DrsResult<Fetched<T>> Answer<T>(JobCacheEntry<T> entry, bool stale)
        where T : class =>
        entry.Value is { } value
            ? DrsResult<Fetched<T>>.Success(new Fetched<T>(value, new Freshness(entry.FetchedAt.UtcDateTime, stale)))
            : DrsResult<Fetched<T>>.Failure(entry.Error!);

    /// <summary>A key this request claimed, and the expired value to fall back on if DRS fails.</summary>
    private sealed record Miss<T>(string Id, string Key, TaskCompletionSource<DrsResult<Fetched<T>>> Completion, JobCacheEntry<T>? Stale)
        where T : class;
}
