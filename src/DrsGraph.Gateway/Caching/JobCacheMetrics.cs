using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Memory;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// The cache's counters on the <c>DrsGraph.Cache</c> meter, ready for OpenTelemetry or Prometheus
/// (<c>AddMeter("DrsGraph.Cache")</c>). One lookup is one job field.
/// </summary>
public sealed class JobCacheMetrics
{
    public const string MeterName = "DrsGraph.Cache";

    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _coalesced;
    private readonly Counter<long> _stale;
    private readonly Counter<long> _upstream;
    private readonly Counter<long> _redisErrors;
    private readonly Counter<long> _writesDropped;
    private readonly Counter<long> _responseHits;
    private readonly Counter<long> _responseMisses;

    private readonly Meter _meter;

    public JobCacheMetrics(IMeterFactory meterFactory)
    {
        // From the DI meter factory, so each host (and each test's gateway) has its own meter instance.
        var meter = _meter = meterFactory.Create(MeterName);
        _hits = meter.CreateCounter<long>("drsgraph.cache.hits", "{lookup}", "Job fields answered by a cache level (tags: level = memory|redis, field, drs.region).");
        _misses = meter.CreateCounter<long>("drsgraph.cache.misses", "{lookup}", "Job fields a cache level could not answer (tags: level = memory|redis, field, drs.region).");
        _coalesced = meter.CreateCounter<long>("drsgraph.cache.coalesced", "{lookup}", "Job fields that waited for another request's in-flight fetch instead of fetching (tags: field, drs.region).");
        _stale = meter.CreateCounter<long>("drsgraph.cache.stale", "{lookup}", "Expired job fields served, marked stale, because DRS failed transiently (tags: field, drs.region).");
        _upstream = meter.CreateCounter<long>("drsgraph.cache.upstream", "{lookup}", "Job fields fetched from DRS (tags: field, drs.region).");
        _redisErrors = meter.CreateCounter<long>("drsgraph.cache.redis.errors", "{operation}", "Redis reads or writes that failed or timed out; the request went on without Redis (tag: operation = read|write).");
        _writesDropped = meter.CreateCounter<long>("drsgraph.cache.redis.writes_dropped", "{entry}", "Entries not written to Redis because the write queue was full or Redis was unreachable.");
        _responseHits = meter.CreateCounter<long>("drsgraph.cache.responses.hits", "{operation}", "Operations answered by the answer cache: a kept answer whose job fields were all still fresh and unchanged in memory.");
        _responseMisses = meter.CreateCounter<long>("drsgraph.cache.responses.misses", "{operation}", "Operations the answer cache could have answered (one JSON answer, a known caller) that were executed instead.");
    }

    /// <summary>Publishes the memory level's size, read when metrics are collected.</summary>
    public void ObserveMemory(Func<MemoryCacheStatistics?> statistics)
    {
        _meter.CreateObservableGauge("drsgraph.cache.memory.entries", () => statistics()?.CurrentEntryCount ?? 0, "{entry}", "Job fields held in process memory.");
        _meter.CreateObservableGauge("drsgraph.cache.memory.size", () => statistics()?.CurrentEstimatedSize ?? 0, "By", "Estimated bytes of the job fields held in process memory (bounded by Gateway:Cache:MaxMemoryMegabytes).");
    }

    // region: the DRS region of the lookup (drs.region), so one region's misses or stale answers show apart from another's.
    public void Hit(string level, string field, string region, int count = 1) => Add(_hits, count, level, field, region);

    public void Miss(string level, string field, string region, int count = 1) => Add(_misses, count, level, field, region);

    public void Coalesced(string field, int count, string region) => Add(_coalesced, count, null, field, region);

    public void Stale(string field, string region) => Add(_stale, 1, null, field, region);

    public void Upstream(string field, int count, string region) => Add(_upstream, count, null, field, region);

    public void RedisError(string operation) => _redisErrors.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void WritesDropped(int count) => _writesDropped.Add(count);

    public void ResponseHit() => _responseHits.Add(1);

    public void ResponseMiss() => _responseMisses.Add(1);

    private static void Add(Counter<long> counter, int count, string? level, string field, string region)
    {
        if (count <= 0)
        {
            return;
        }

        var tags = new TagList { { "field", field }, { "drs.region", region } };
        if (level is not null)
        {
            tags.Add("level", level);
        }

        counter.Add(count, tags);
    }
}

/// <summary>Tag values of <see cref="JobCacheMetrics"/>.</summary>
public static class CacheLevels
{
    public const string Memory = "memory";
    public const string Redis = "redis";
}
