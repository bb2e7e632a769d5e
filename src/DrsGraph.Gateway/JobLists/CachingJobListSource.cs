using System.Collections.Concurrent;
using System.Text;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Jobs;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.JobLists;

/// <summary>
/// List answers cached per caller partition (the job cache's scope: endpoint, project, token hash or
/// project, language), filter and paging, for <see cref="JobListCacheOptions.ListTtl"/>; and every status a
/// list answer carries (children included) stored in the job status cache, so the page's <c>status</c>
/// fields cost no batch-status call.
/// </summary>
/// <remarks>
/// Process memory only: a list answer is short-lived and per filter, so sharing it through Redis would
/// cost more round trips than it saves; the statuses it primes do reach Redis through the job cache.
/// Errors are never cached. Bounded in bytes (each answer's estimated size) and in count
/// (<see cref="JobListCacheOptions.ListMaxMegabytes"/>, <see cref="JobListCacheOptions.ListMaxEntries"/>).
/// </remarks>
public sealed class CachingJobListSource : IJobListSource, IDisposable
{
    private readonly IJobListSource _inner;
    private readonly CachingJobDataSource _jobs;
    private readonly JobCacheKeys _keys;
    private readonly JobListCacheOptions _options;
    private readonly TimeSpan _staleGrace;
    private readonly TimeProvider _clock;
    private readonly MemoryCache _entries;
    private readonly long _minimumEntrySize;
    private readonly ConcurrentDictionary<string, Task<DrsResult<Fetched<JobListPage>>>> _inFlight = new(StringComparer.Ordinal);

    // clock: the cache's expiry clock (JobCacheExtensions.ClockKey), so tests move list and job entries together.
    // staleGrace: the job cache's (Gateway:Cache:StaleGrace, validated there): how long past ListTtl an answer is still
    // served, marked stale, while DRS is out.
    public CachingJobListSource(IJobListSource inner, CachingJobDataSource jobs, JobCacheKeys keys, IOptions<JobListCacheOptions> options, TimeSpan staleGrace, TimeProvider clock)
    {
        _inner = inner;
        _jobs = jobs;
        _keys = keys;
        _options = options.Value;
        _staleGrace = staleGrace;
        _clock = clock;
        var budget = _options.ListMaxMegabytes * 1024L * 1024L;
        // Every answer counts as at least this much, so no more than ListMaxEntries fit in the byte budget either.
        _minimumEntrySize = Math.Max(1, budget / _options.ListMaxEntries);
        _entries = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = budget,
            CompactionPercentage = 0.25,
            TrackStatistics = true,
            // Expired answers are dropped at the next access after a scan is due (the default waits a minute).
            ExpirationScanFrequency = _options.ListTtl > TimeSpan.FromSeconds(1) ? _options.ListTtl : TimeSpan.FromSeconds(1),
        });
    }

    public async Task<DrsResult<Fetched<JobListPage>>> ListAsync(DrsCaller caller, JobListFilter filter, JobListPaging paging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(paging);
        var key = _keys.ScopeOf(caller) + "list:" + KeyOf(filter, paging);
        var ttl = _options.ListTtl;
        if (ttl > TimeSpan.Zero && _entries.TryGetValue(key, out Entry? cached) && cached!.FreshUntil > _clock.GetUtcNow())
        {
            return cached.Page is { } kept
                ? DrsResult<Fetched<JobListPage>>.Success(new Fetched<JobListPage>(kept, new Freshness(cached.FetchedAt.UtcDateTime, Stale: false)))
                : DrsResult<Fetched<JobListPage>>.Failure(cached.Failure!);
        }

        // One walk per key at a time: forty identical lists at once were forty walks of DRS's list. The walk is not bound to
        // the caller that started it (others wait for it; each waits only as long as its own request allows), and is
        // bounded by the DRS client's own timeouts.
        var started = new TaskCompletionSource<DrsResult<Fetched<JobListPage>>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var walk = _inFlight.GetOrAdd(key, started.Task);
        if (walk == started.Task)
        {
            _ = WalkAsync(caller, filter, paging, key, ttl, started);
        }

        var answer = await walk.WaitAsync(cancellationToken);
        if (walk != started.Task && answer.Error is { Kind: DrsErrorKind.Unauthorized or DrsErrorKind.Forbidden } && _keys.Partition == CachePartition.Project)
        {
            // Partitioned by project, the walk this caller joined may have been another token's, and DRS's refusal of that
            // token says nothing about this one's (it ended a valid caller's subscription): ask with its own.
            return await FetchAsync(caller, filter, paging, key, ttl).WaitAsync(cancellationToken);
        }

        return answer;
    }

    /// <summary>The walk that callers of one key share, its answer kept and its statuses stored; it never throws to them but as the inner source does.</summary>
    private async Task WalkAsync(DrsCaller caller, JobListFilter filter, JobListPaging paging, string key, TimeSpan ttl, TaskCompletionSource<DrsResult<Fetched<JobListPage>>> result)
    {
        try
        {
            result.SetResult(await FetchAsync(caller, filter, paging, key, ttl));
        }
        catch (Exception exception)
        {
            result.SetException(exception);
        }
        finally
        {
            _inFlight.TryRemove(KeyValuePair.Create(key, result.Task));
        }
    }

    private async Task<DrsResult<Fetched<JobListPage>>> FetchAsync(DrsCaller caller, JobListFilter filter, JobListPaging paging, string key, TimeSpan ttl)
    {
        var answer = await _inner.ListAsync(caller, filter, paging, CancellationToken.None);
        if (answer.Value is not { Value: var page })
        {
            // Stale-on-error, as for job fields: while DRS is out, the last answer within StaleGrace past its TTL, marked stale
            // (a 401/403 or a bad request is never papered over; a list that never adds up is kept as a verdict, below).
            if (answer.Error is { IsOutage: true, Code: not DrsErrorCodes.ListInconsistent } && _entries.TryGetValue(key, out Entry? known) && known!.Page is { } stale
                && known.FreshUntil + _staleGrace > _clock.GetUtcNow())
            {
                return DrsResult<Fetched<JobListPage>>.Success(new Fetched<JobListPage>(stale, new Freshness(known.FetchedAt.UtcDateTime, Stale: true)));
            }

            if (ttl > TimeSpan.Zero && answer.Error is { Code: DrsErrorCodes.ListInconsistent } inconsistent)
            {
                // Walks over pages that never added up cost up to a dozen calls per use type each time (180 DRS calls
                // for one query against a list whose total lied): the verdict is kept for ListTtl like an answer.
                var failedAt = _clock.GetUtcNow();
                _entries.Set(key, new Entry(null, inconsistent, failedAt, failedAt + ttl), new MemoryCacheEntryOptions { Size = _minimumEntrySize, AbsoluteExpirationRelativeToNow = ttl });
            }

            return answer;
        }

        var fetchedAt = _clock.GetUtcNow();
        // The list stands in for batch-status only where it says all batch-status would: not for a job without a status
        // (DRS omits empty fields), nor for a failed one (batch-status gives its error code and message, the list neither
        // the code nor, always, the message).
        await _jobs.PrimeStatusesAsync(caller, page.Jobs.SelectMany(j => j.Children.Prepend(j))
            .Where(j => j.Status is { RawStatus.Length: > 0, IsFailed: false })
            .Select(j => (j.Id, j.Status)));
        if (ttl > TimeSpan.Zero)
        {
            // The memory cache's own expiry (real time) only evicts; freshness is decided on our clock above.
            // An answer larger than the whole budget is not stored (MemoryCache refuses it and compacts).
            // Kept past its TTL for StaleGrace: what is served, marked stale, while DRS is out.
            var size = Math.Max(_minimumEntrySize, EstimatedBytes(key, page));
            _entries.Set(key, new Entry(page, null, fetchedAt, fetchedAt + ttl), new MemoryCacheEntryOptions { Size = size, AbsoluteExpirationRelativeToNow = ttl + _staleGrace });
        }

        return DrsResult<Fetched<JobListPage>>.Success(new Fetched<JobListPage>(page, new Freshness(fetchedAt.UtcDateTime, Stale: false)));
    }

    public void Dispose() => _entries.Dispose();

    /// <summary>The estimated bytes the cached answers hold (for tests and diagnostics).</summary>
    public long HeldBytes => _entries.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    /// <summary>
    /// What one cached answer holds, roughly: its key, and per job (children included) the entry and status objects with
    /// their references (about 200 bytes) and its strings (2 bytes a character plus a 24-byte header each).
    /// </summary>
    public static long EstimatedBytes(string key, JobListPage page)
    {
        static long Text(string? value) => value is null ? 0 : 24 + (2L * value.Length);
        static long Job(JobListEntry job)
        {
            var bytes = 200 + Text(job.Id) + Text(job.Name) + Text(job.Description) + Text(job.EngineType) + Text(job.RawNetType)
                + Text(job.RawUseType) + Text(job.Direction) + Text(job.RawTaskType) + Text(job.Status.RawStatus)
                + Text(job.Status.ErrorCode) + Text(job.Status.ErrorMessage);
            foreach (var child in job.Children)
            {
                bytes += Job(child);
            }

            return bytes;
        }

        var total = 100 + Text(key);
        foreach (var job in page.Jobs)
        {
            total += Job(job);
        }

        return total;
    }

    /// <summary>Every part of the filter and paging, each length-prefixed, so no two requests share a key by accident.</summary>
    internal static string KeyOf(JobListFilter filter, JobListPaging paging)
    {
        var key = new StringBuilder(128);
        void Add(string? part) => key.Append(part?.Length ?? -1).Append(':').Append(part).Append(';');
        Add(filter.UseType?.ToString());
        Add(filter.Status?.ToString());
        Add(filter.EngineType);
        Add(filter.NetType?.ToString());
        Add(filter.Name);
        Add(filter.EnterpriseProjectId);
        Add(filter.Ids is { Count: > 0 } ids ? string.Join(',', ids) : null);
        foreach (var (tagKey, tagValue) in (filter.Tags ?? new Dictionary<string, string>()).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            Add(tagKey);
            Add(tagValue);
        }

        key.Append('p').Append(paging.Page).Append('x').Append(paging.PageSize);
        return key.ToString();
    }

    /// <summary>A list answer, or the failure of walks that never added up (<see cref="DrsErrorCodes.ListInconsistent"/>).</summary>
    private sealed record Entry(JobListPage? Page, DrsError? Failure, DateTimeOffset FetchedAt, DateTimeOffset FreshUntil);
}
