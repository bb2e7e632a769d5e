using DrsGraph.DrsClient;
using DrsGraph.Gateway.DataSources;
using DrsGraph.Gateway.Jobs;
using DrsGraph.Gateway.ResponseCaching;
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
/// is not. The parts, one concern each: <see cref="SingleFlight{T}"/> (coalescing),
/// <see cref="JobCacheTiers"/> (memory and Redis, and which gets an answer), <see cref="StaleFallback"/>
/// (an expired value instead of a transient error).
/// <para>
/// A fetch keeps its keys claimed until a level has stored them, so a request arriving meanwhile joins
/// the finished fetch rather than missing both levels.
/// </para>
/// </remarks>
public sealed class CachingJobDataSource : IJobDataSource, IStaleJobSource, IDisposable
{
    private readonly IJobDataSource _inner;
    private readonly JobCacheKeys _keys;
    private readonly JobCacheTiers _tiers;
    private readonly JobCacheMetrics _metrics;
    private readonly JobCacheOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private bool _disposed;
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
        _metrics = metrics;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        _tiers = new JobCacheTiers(shared, keys.Seal, metrics, _options, clock, logger);
        Refreshing = new RefreshingView(this);
        JobCacheLog.Started(logger, shared.IsConfigured ? " + Redis" : " only", _options.Partition);
        if (shared.IsConfigured && keys.UsesRandomSecret)
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
        GetAsync(_status, caller, jobIds, _inner.GetStatusesAsync, refresh: false, cancellationToken);

    public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>>> GetProgressAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        GetAsync(_progress, caller, jobIds, _inner.GetProgressAsync, refresh: false, cancellationToken);

    public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>>> GetDetailsAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        GetAsync(_detail, caller, jobIds, _inner.GetDetailsAsync, refresh: false, cancellationToken);

    /// <summary>
    /// The same cache, read past freshness: every job is asked of DRS (or joins a fetch already in flight)
    /// and the answer is stored for everyone, so a subscription poll sees changes within its tick rather than
    /// a TTL, and ordinary queries are then served what the poll found. What the cache holds is still the
    /// fallback, marked stale, when DRS fails transiently.
    /// </summary>
    public IJobDataSource Refreshing { get; }

    /// <summary>
    /// Stores statuses another DRS answer carried (the job list: JobLists/CachingJobListSource) as if
    /// batch-status had answered them now, so a query for those jobs' status costs no batch-status call.
    /// Same keys, TTLs and levels as a fetched status. Completes once a level holds them (with Redis, once
    /// written or fallen back to memory; never throws), so a query right after the list finds them.
    /// </summary>
    public Task PrimeStatusesAsync(DrsCaller caller, IEnumerable<(string Id, JobStatusInfo Status)> statuses)
    {
        var scope = _keys.KeyScopeOf(caller);
        var now = _clock.GetUtcNow();
        var writeBack = _tiers.NewWriteBack<JobStatusInfo>(16);
        foreach (var (id, status) in statuses)
        {
            Settle(_status, caller.Region, new JobKey(scope, _status.Name, id), null, DrsResult<Fetched<JobStatusInfo>>.Success(new Fetched<JobStatusInfo>(status, null)), now, writeBack);
        }

        return writeBack is { Count: > 0 } ? _tiers.WriteBackAsync(_status, writeBack, now) : Task.CompletedTask;
    }

    /// <summary>
    /// Whether an answer built from <paramref name="recorded"/> may be replayed now: nothing has been stored or removed in
    /// memory for any of its keys since it was read (a newer answer from a poll or a job list, an expired entry), and
    /// none has passed its freshness. An entry the level evicted meanwhile does not end it: its value is still within
    /// its TTL, as a hit on it would be. If so, counts the memory hits the answer's lookups would have counted, so the
    /// cache's metrics read the same whether or not the answer is replayed.
    /// </summary>
    internal bool StillAnswers(RecordedReads recorded)
    {
        if (_clock.GetUtcNow() >= recorded.FreshUntil)
        {
            return false;
        }

        foreach (var (slot, mark) in recorded.Reads)
        {
            if (!_tiers.Unchanged(slot, mark))
            {
                return false;
            }
        }

        foreach (var (field, region, count) in recorded.Hits)
        {
            _metrics.Hit(CacheLevels.Memory, field, region, count);
        }

        return true;
    }

    public IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>> HeldStatuses(DrsCaller caller, IReadOnlyList<string> jobIds) => Held(_status, caller, jobIds);

    public IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>> HeldProgress(DrsCaller caller, IReadOnlyList<string> jobIds) => Held(_progress, caller, jobIds);

    public IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>> HeldDetails(DrsCaller caller, IReadOnlyList<string> jobIds) => Held(_detail, caller, jobIds);

    /// <summary>
    /// What memory holds for the jobs when a budget ran out waiting for DRS (<see cref="IStaleJobSource"/>): a fresh value
    /// (stored meanwhile) as it is, an expired one within StaleGrace marked stale (counted as stale); nothing else.
    /// </summary>
    private Dictionary<string, DrsResult<Fetched<T>>> Held<T>(CachedField<T> field, DrsCaller caller, IReadOnlyList<string> jobIds)
        where T : class
    {
        var scope = _keys.KeyScopeOf(caller);
        var now = _clock.GetUtcNow();
        var held = new Dictionary<string, DrsResult<Fetched<T>>>(StringComparer.Ordinal);
        foreach (var id in jobIds)
        {
            if (held.ContainsKey(id) || _tiers.InMemory<T>(new JobKey(scope, field.Name, id)) is not { } entry)
            {
                continue;
            }

            if (entry.IsFreshAt(now))
            {
                held[id] = entry.ToAnswer(stale: false);
            }
            else if (entry.CanServeStaleAt(now))
            {
                held[id] = entry.ToAnswer(stale: true);
                _metrics.Stale(field.Name, caller.Region);
            }
        }

        return held;
    }

    /// <summary>Entries and estimated bytes in the memory level now (also published as metrics); null once disposed.</summary>
    public MemoryCacheStatistics? MemoryStatistics => _tiers.MemoryStatistics;

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
        _tiers.Dispose();
    }

    private async Task<IReadOnlyDictionary<string, DrsResult<Fetched<T>>>> GetAsync<T>(
        CachedField<T> field, DrsCaller caller, IReadOnlyList<string> jobIds, Fetch<T> fetch, bool refresh, CancellationToken cancellationToken)
        where T : class
    {
        var scope = _keys.KeyScopeOf(caller);
        var now = _clock.GetUtcNow();
        // An operation the answer cache watches learns which memory entries answered it (a refresh answers from DRS).
        var recorder = refresh ? null : ResponseRecorder.Current;
        var results = new Dictionary<string, DrsResult<Fetched<T>>>(jobIds.Count, StringComparer.Ordinal);
        List<(string Id, JobKey Key, JobCacheEntry<T>? Stale)>? misses = null;
        // Each job once (a HashSet sized for the batch: Distinct's grew through four arrays per batch).
        var distinct = jobIds.Count > 1 ? new HashSet<string>(jobIds.Count, StringComparer.Ordinal) : null;
        foreach (var id in jobIds)
        {
            if (distinct is not null && !distinct.Add(id))
            {
                continue;
            }

            var key = new JobKey(scope, field.Name, id);
            JobCacheEntry<T>? stale = null;
            // The change mark is read before the entry, so a store after this read is seen (JobCacheTiers.MarkOf).
            var slot = 0;
            var mark = recorder is null ? 0 : _tiers.MarkOf(key, out slot);
            if (_tiers.InMemory<T>(key) is { } entry)
            {
                if (!refresh && entry.IsFreshAt(now))
                {
                    results[id] = entry.ToAnswer(stale: false);
                    recorder?.Read(slot, mark, entry.FreshUntil);
                    continue;
                }

                stale = entry.CanServeStaleAt(now) ? entry : null;
            }

            (misses ??= new(jobIds.Count)).Add((id, key, stale));
        }

        if (misses is not null)
        {
            recorder?.Spoil();
        }

        recorder?.Counted(field.Name, caller.Region, results.Count);
        var (owned, waits, joined) = misses is null ? (null, [], 0) : field.InFlight.ClaimOrJoin(misses);
        _metrics.Hit(CacheLevels.Memory, field.Name, caller.Region, results.Count);
        _metrics.Miss(CacheLevels.Memory, field.Name, caller.Region, waits.Count);
        _metrics.Coalesced(field.Name, joined, caller.Region);
        if (owned is not null)
        {
            // Not tied to this request's token: others may be waiting for the same fetch. The DRS
            // client's own timeouts bound it; waiters give up on their own tokens below, and when this
            // request gives up, its claims go with it (Release), so a stalled fetch wedges no key: later requests
            // start their own. The price: clients that give up before a slow DRS answers cost a fetch each.
            _ = FetchAsync(field, caller, owned, fetch, refresh);
        }

        List<(string Id, JobKey Key)>? refetch = null;
        foreach (var (id, key, answer, wasJoined) in waits)
        {
            DrsResult<Fetched<T>> result;
            try
            {
                result = await answer.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (owned is not null)
            {
                field.InFlight.Release(owned);
                throw;
            }

            if (wasJoined && result.Error is { Kind: DrsErrorKind.Unauthorized or DrsErrorKind.Forbidden } && _options.Partition == CachePartition.Project)
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
        CachedField<T> field, DrsCaller caller, List<(string Id, JobKey Key)> misses, Fetch<T> fetch, Dictionary<string, DrsResult<Fetched<T>>> results, CancellationToken cancellationToken)
        where T : class
    {
        _metrics.Upstream(field.Name, misses.Count, caller.Region);
        var answers = await fetch(caller, [.. misses.Select(m => m.Id)], cancellationToken);
        var fetchedAt = _clock.GetUtcNow();
        var writeBack = _tiers.NewWriteBack<T>(misses.Count);
        List<JobKey>? refused = null;
        foreach (var (id, key) in misses)
        {
            var answer = AnswerOrMissing(answers, id);
            refused = Refused(answer, key, refused);
            results[id] = Settle(field, caller.Region, key, null, answer, fetchedAt, writeBack);
        }

        if (refused is not null)
        {
            await _tiers.ForgetAsync(refused);
        }

        if (writeBack is { Count: > 0 })
        {
            // These keys were not claimed (another token's fetch held them), so nothing waits for the write.
            _ = _tiers.WriteBackAsync(field, writeBack, fetchedAt);
        }
    }

    private async Task FetchAsync<T>(CachedField<T> field, DrsCaller caller, List<Claim<T>> claims, Fetch<T> fetch, bool refresh)
        where T : class
    {
        try
        {
            var now = _clock.GetUtcNow();
            var toRead = new List<Claim<T>>(claims.Count);
            if (refresh)
            {
                // A refresh asks DRS whatever the levels hold: that is its point.
                toRead.AddRange(claims);
            }
            else
            {
                foreach (var claim in claims)
                {
                    // A fetch that finished between our memory lookup and our claim has stored the answer already
                    // (in memory, or in Redis, which is read next).
                    if (_tiers.InMemory<T>(claim.Key) is { } entry && entry.IsFreshAt(now))
                    {
                        claim.Completion.TrySetResult(entry.ToAnswer(stale: false));
                    }
                    else
                    {
                        toRead.Add(claim);
                    }
                }
            }

            var toFetch = refresh ? toRead : await ReadSharedAsync(field, toRead, caller.Region, now);
            if (toFetch.Count == 0)
            {
                return;
            }

            _metrics.Upstream(field.Name, toFetch.Count, caller.Region);
            var answers = await fetch(caller, [.. toFetch.Select(m => m.Id)], _stopping.Token);
            var fetchedAt = _clock.GetUtcNow();
            if (refresh)
            {
                toFetch = await WithSharedFallbacksAsync(field, toFetch, answers, caller.Region, fetchedAt);
            }

            var writeBack = _tiers.NewWriteBack<T>(toFetch.Count);
            List<JobKey>? refused = null;
            foreach (var claim in toFetch)
            {
                var answer = AnswerOrMissing(answers, claim.Id);
                refused = Refused(answer, claim.Key, refused);
                claim.Completion.TrySetResult(Settle(field, caller.Region, claim.Key, claim.Stale, answer, fetchedAt, writeBack));
            }

            if (refused is not null)
            {
                // Still claimed: nothing stores these keys meanwhile.
                await _tiers.ForgetAsync(refused);
            }

            if (writeBack is { Count: > 0 })
            {
                // The answers are out; the keys stay claimed until a level holds them (see the remarks).
                await _tiers.WriteBackAsync(field, writeBack, fetchedAt);
            }
        }
        catch (Exception exception)
        {
            if (exception is not OperationCanceledException)
            {
                JobCacheLog.FetchFailed(_logger, field.Name, claims.Count, exception);
            }

            foreach (var claim in claims)
            {
                claim.Completion.TrySetException(exception);
            }
        }
        finally
        {
            field.InFlight.Release(claims);
        }
    }

    /// <summary>
    /// A refresh skipped Redis; when DRS then was out for jobs memory has no fallback for (with Redis
    /// up, memory holds only what was asked twice), Redis's entries become their fallback. Healthy polls cost no MGET.
    /// </summary>
    private async Task<List<Claim<T>>> WithSharedFallbacksAsync<T>(CachedField<T> field, List<Claim<T>> claims, IReadOnlyDictionary<string, DrsResult<Fetched<T>>> answers, string region, DateTimeOffset now)
        where T : class
    {
        var needing = claims.Where(c => c.Stale is null && answers.TryGetValue(c.Id, out var answer) && answer.Error is { IsOutage: true }).ToList();
        var stored = needing.Count == 0 ? null : await _tiers.ReadSharedAsync(field, [.. needing.Select(c => c.Key)], region, now, _stopping.Token);
        if (stored is null)
        {
            return claims;
        }

        var fallbacks = new Dictionary<JobKey, JobCacheEntry<T>?>(needing.Count);
        for (var i = 0; i < needing.Count; i++)
        {
            fallbacks[needing[i].Key] = StaleFallback.Newest(null, stored[i], now);
        }

        return [.. claims.Select(c => fallbacks.TryGetValue(c.Key, out var fallback) ? c with { Stale = fallback } : c)];
    }

    /// <summary>Answers what Redis holds fresh; returns the rest, each with the newest stale fallback known.</summary>
    private async Task<List<Claim<T>>> ReadSharedAsync<T>(CachedField<T> field, List<Claim<T>> claims, string region, DateTimeOffset now)
        where T : class
    {
        // Without Redis there is nothing to read: not even the list of keys is built.
        var stored = _tiers.HasShared ? await _tiers.ReadSharedAsync(field, [.. claims.Select(c => c.Key)], region, now, _stopping.Token) : null;
        if (stored is null)
        {
            return claims;
        }

        var remaining = new List<Claim<T>>(claims.Count);
        for (var i = 0; i < claims.Count; i++)
        {
            var claim = claims[i];
            if (stored[i] is { } entry && entry.IsFreshAt(now))
            {
                claim.Completion.TrySetResult(entry.ToAnswer(stale: false));
                continue;
            }

            remaining.Add(claim with { Stale = StaleFallback.Newest(claim.Stale, stored[i], now) });
        }

        return remaining;
    }

    /// <summary>
    /// Caches what DRS said when it is worth caching (see <see cref="JobCacheTiers.Store"/>), and picks
    /// what the waiters get.
    /// </summary>
    private DrsResult<Fetched<T>> Settle<T>(CachedField<T> field, string region, JobKey key, JobCacheEntry<T>? fallback, DrsResult<Fetched<T>> answer, DateTimeOffset fetchedAt, List<(JobKey Key, JobCacheEntry<T> Entry)>? writeBack)
        where T : class
    {
        if (answer.Value is { Value: var value })
        {
            var ttl = field.TtlOf(value, _options);
            var entry = new JobCacheEntry<T>(value, null, fetchedAt, fetchedAt + ttl, fetchedAt + ttl + _options.StaleGrace);
            _tiers.Store(key, entry, fetchedAt, writeBack);
            return entry.ToAnswer(stale: false);
        }

        var error = answer.Error!;
        if (error.Kind is DrsErrorKind.NotFound or DrsErrorKind.Deleted)
        {
            // Briefly: a job created a moment ago may not be visible yet, and must show up soon.
            _tiers.Store(key, new JobCacheEntry<T>(null, error, fetchedAt, fetchedAt + _options.NegativeTtl, fetchedAt + _options.NegativeTtl), fetchedAt, writeBack);
            return answer;
        }

        if (StaleFallback.TryServe(error, fallback, fetchedAt, out var stale))
        {
            _metrics.Stale(field.Name, region);
            return stale;
        }

        return answer;
    }

    /// <summary>The cache as a data source that refreshes instead of reading fresh entries (<see cref="Refreshing"/>).</summary>
    private sealed class RefreshingView(CachingJobDataSource cache) : IJobDataSource, IStaleJobSource
    {
        public IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>> HeldStatuses(DrsCaller caller, IReadOnlyList<string> jobIds) => cache.HeldStatuses(caller, jobIds);

        public IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>> HeldProgress(DrsCaller caller, IReadOnlyList<string> jobIds) => cache.HeldProgress(caller, jobIds);

        public IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>> HeldDetails(DrsCaller caller, IReadOnlyList<string> jobIds) => cache.HeldDetails(caller, jobIds);

        public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>>> GetStatusesAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
            cache.GetAsync(cache._status, caller, jobIds, cache._inner.GetStatusesAsync, refresh: true, cancellationToken);

        public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>>> GetProgressAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
            cache.GetAsync(cache._progress, caller, jobIds, cache._inner.GetProgressAsync, refresh: true, cancellationToken);

        public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>>> GetDetailsAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
            cache.GetAsync(cache._detail, caller, jobIds, cache._inner.GetDetailsAsync, refresh: true, cancellationToken);
    }

    /// <summary>
    /// <paramref name="refused"/>, with <paramref name="key"/> added when DRS refused the token (401, 403): what the levels
    /// still hold for that token must not answer it again, not even as a stale fallback while DRS is out. Partitioned by
    /// project, one token's refusal says nothing about the others', whose entries stay.
    /// </summary>
    private List<JobKey>? Refused<T>(DrsResult<Fetched<T>> answer, JobKey key, List<JobKey>? refused)
        where T : class
    {
        if (answer.Error is { Kind: DrsErrorKind.Unauthorized or DrsErrorKind.Forbidden } && _options.Partition == CachePartition.Token)
        {
            (refused ??= []).Add(key);
        }

        return refused;
    }

    private static DrsResult<Fetched<T>> AnswerOrMissing<T>(IReadOnlyDictionary<string, DrsResult<Fetched<T>>> answers, string id)
        where T : class =>
        answers.TryGetValue(id, out var found)
            ? found
            : DrsResult<Fetched<T>>.Failure(new DrsError(DrsErrorCodes.MissingFromResponse, $"No answer for job '{id}'.", DrsErrorKind.Protocol));
}
