#if HAS_JOB_CACHE
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using DrsGraph.Benchmarks.GraphQL;
using DrsGraph.Benchmarks.Infrastructure;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.DataSources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DrsGraph.Benchmarks.Caching;

/// <summary>
/// What the memory level adds to one cold 20-job x 3-field operation (the load benchmark's <c>cold20</c>),
/// without HTTP, GraphQL or DRS around it: the three batches through <see cref="CachingJobDataSource"/> (memory
/// level only, no Redis) over an in-memory data source, against the same data source alone. Cold: a new caller
/// (token) per operation, so all 60 lookups miss, are claimed, fetched, stored and released, and the level
/// fills to its budget and evicts, as under load. Warm: the same caller, 60 hits. The issue 15 target 1 gap
/// (<c>cold20</c> over <c>cold20_nocache</c>) is the cold figure minus the baseline, per request.
/// </summary>
[MemoryDiagnoser]
public class CacheMissPathBenchmarks : IDisposable
{
    private const string ProjectId = "054ba152d480d55b2f5dc0069e7ddef0";
    private readonly DrsCaller _known = new("bench-token-known", ProjectId);
    private InMemoryJobDataSource _inner = null!;
    private CachingJobDataSource _cache = null!;
    private ServiceProvider _services = null!;
    private string[] _ids = [];
    private long _n;

    /// <summary>The memory level's budget: the shipped 64 MB (~18,000 entries), and 1 MB (~280: every entry dies young).</summary>
    [Params(1, 64)]
    public int MemoryMegabytes { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _inner = new InMemoryJobDataSource(WireSamples.Instance);
        var options = Options.Create(new JobCacheOptions { KeySecret = "bench-secret-bench-secret-bench-secret-0123", MaxMemoryMegabytes = MemoryMegabytes });
        _cache = new CachingJobDataSource(
            _inner,
            new JobCacheKeys(options, new FixedEndpoint(new Uri("http://127.0.0.1:5100/"))),
            new NoSharedJobCache(),
            new JobCacheMetrics(_services.GetRequiredService<IMeterFactory>()),
            options,
            TimeProvider.System,
            NullLogger<CachingJobDataSource>.Instance);
        _ids = [.. WireSamples.Instance.Ids.Take(20)];
        await ThreeBatchesAsync(_cache, _known);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _cache?.Dispose();
        _services?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The three batches straight from the data source: what <c>cold20_nocache</c> pays here.</summary>
    [Benchmark(Baseline = true)]
    public Task<int> No_cache() => ThreeBatchesAsync(_inner, _known);

    /// <summary>A new caller: 60 misses, claimed, fetched, stored, released.</summary>
    [Benchmark]
    public Task<int> Cold_new_caller() => ThreeBatchesAsync(_cache, new DrsCaller("bench-token-" + Interlocked.Increment(ref _n), ProjectId));

    /// <summary>The same caller again: 60 memory hits.</summary>
    [Benchmark]
    public Task<int> Warm_same_caller() => ThreeBatchesAsync(_cache, _known);

    private async Task<int> ThreeBatchesAsync(IJobDataSource source, DrsCaller caller)
    {
        var statuses = await source.GetStatusesAsync(caller, _ids, CancellationToken.None);
        var progress = await source.GetProgressAsync(caller, _ids, CancellationToken.None);
        var details = await source.GetDetailsAsync(caller, _ids, CancellationToken.None);
        return statuses.Count + progress.Count + details.Count;
    }

    private sealed class FixedEndpoint(Uri baseAddress) : IDrsEndpointProvider
    {
        public Uri BaseAddress { get; } = baseAddress;
    }
}
#endif
