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
/// Errors are never cached.
/// </remarks>
public sealed class CachingJobListSource : IJobListSource, IDisposable
{
    private readonly IJobListSource _inner;
    private readonly CachingJobDataSource _jobs;
    private readonly JobCacheKeys _keys;
    private readonly JobListCacheOptions _options;
    private readonly TimeProvider _clock;
    private readonly MemoryCache _entries;

    // clock: the cache's expiry clock (JobCacheExtensions.ClockKey), so tests move list and job entries together.
    public CachingJobListSource(IJobListSource inner, CachingJobDataSource jobs, JobCacheKeys keys, IOptions<JobListCacheOptions> options, TimeProvider clock)
    {
        _inner = inner;
        _jobs = jobs;
        _keys = keys;
        _options = options.Value;
        _clock = clock;
        _entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.ListMaxEntries, CompactionPercentage = 0.25 });
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
            return DrsResult<Fetched<JobListPage>>.Success(new Fetched<JobListPage>(cached.Page, new Freshness(cached.FetchedAt.UtcDateTime, Stale: false)));
        }

        var answer = await _inner.ListAsync(caller, filter, paging, cancellationToken);
        if (answer.Value is not { Value: var page })
        {
            return answer;
        }

        var fetchedAt = _clock.GetUtcNow();
        await _jobs.PrimeStatusesAsync(caller, page.Jobs.SelectMany(j => j.Children.Prepend(j)).Select(j => (j.Id, j.Status)));
        if (ttl > TimeSpan.Zero)
        {
            // The memory cache's own expiry (real time) only evicts; freshness is decided on our clock above.
            _entries.Set(key, new Entry(page, fetchedAt, fetchedAt + ttl), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = ttl });
        }

        return DrsResult<Fetched<JobListPage>>.Success(new Fetched<JobListPage>(page, new Freshness(fetchedAt.UtcDateTime, Stale: false)));
    }

    public void Dispose() => _entries.Dispose();

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

    private sealed record Entry(JobListPage Page, DateTimeOffset FetchedAt, DateTimeOffset FreshUntil);
}
