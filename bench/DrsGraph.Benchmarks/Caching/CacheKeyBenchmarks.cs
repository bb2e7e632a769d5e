#if HAS_JOB_CACHE
using BenchmarkDotNet.Attributes;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Caching;
using Microsoft.Extensions.Options;

namespace DrsGraph.Benchmarks.Caching;

/// <summary>
/// Cache key derivation for one 20-job x 3-field operation: the caller's scope (an HMAC-SHA256 of the
/// token, memoized per caller object, i.e. per operation) and one key per job and field, as Redis stores it.
/// In process memory the cache no longer builds these strings: its keys are the scope, field and job ID with
/// a hash computed once (<c>JobKey</c>); the strings are made only for Redis's reads and writes.
/// </summary>
[MemoryDiagnoser]
public class CacheKeyBenchmarks
{
    private static readonly string[] Fields = ["status", "progress", "detail"];
    private readonly DrsCaller _known = new("bench-token-known", "054ba152d480d55b2f5dc0069e7ddef0");
    private JobCacheKeys _keys = null!;
    private string[] _ids = [];
    private int _n;

    [GlobalSetup]
    public void Setup()
    {
        _keys = new JobCacheKeys(
            Options.Create(new JobCacheOptions { KeySecret = "bench-secret-bench-secret-bench-secret-0123" }),
            new FixedEndpoint(new Uri("http://127.0.0.1:5100/")));
        _ids = [.. Infrastructure.WireSamples.Instance.Ids.Take(20)];
        _ = _keys.ScopeOf(_known);
    }

    /// <summary>A new operation (new caller object): the HMAC runs once, then 60 keys.</summary>
    [Benchmark(Baseline = true)]
    public int New_operation_scope_and_60_keys() => KeysFor(new DrsCaller("bench-token-" + (++_n % 1024), "054ba152d480d55b2f5dc0069e7ddef0"));

    /// <summary>The same caller object again (the memo hits): 60 keys only.</summary>
    [Benchmark]
    public int Same_operation_60_keys() => KeysFor(_known);

    private int KeysFor(DrsCaller caller)
    {
        var scope = _keys.ScopeOf(caller);
        var length = 0;
        foreach (var field in Fields)
        {
            foreach (var id in _ids)
            {
                length += JobCacheKeys.KeyOf(scope, field, id).Length;
            }
        }

        return length;
    }

    private sealed class FixedEndpoint(Uri baseAddress) : IDrsEndpointProvider
    {
        public Uri BaseAddress { get; } = baseAddress;
    }
}
#endif
