// What the job cache's cold miss path allocates with Redis, by type: the three batches of a cold 20-job x 3-field
// operation (a new caller each time, so 60 misses: MGET, fetch from an in-memory data source, SETs) through
// CachingJobDataSource with a real RedisJobCache, 10 000 times to warm up, then 20 000 under an EventListener sampling
// the runtime's GCAllocationTick events (one per ~100 KB, with the type). By hand, from this folder, with a Redis:
//   redis-server --port 5699 --save '' --appendonly no --daemonize yes
//   dotnet run -c Release [-- redis|memory]        (bench/README.md, 2026-12-06 19:00 UTC)
// The us/op includes Redis's round trips and the listener's overhead: compare it only with itself.
using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using DrsGraph.Benchmarks.GraphQL;
using DrsGraph.Benchmarks.Infrastructure;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.DataSources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

const string ProjectId = "054ba152d480d55b2f5dc0069e7ddef0";
var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
var inner = new InMemoryJobDataSource(WireSamples.Instance);
var options = Options.Create(new JobCacheOptions { KeySecret = "bench-secret-bench-secret-bench-secret-0123", MaxMemoryMegabytes = 64 });
var metrics = new JobCacheMetrics(services.GetRequiredService<IMeterFactory>());
var redisOn = args.Length == 0 || args[0] != "memory";
ISharedJobCache shared = new NoSharedJobCache();
RedisJobCache? redis = null;
if (redisOn)
{
    redis = new RedisJobCache("127.0.0.1:5699", options, metrics, NullLogger<RedisJobCache>.Instance);
    await redis.StartAsync(CancellationToken.None);
    while (!redis.IsConnected) await Task.Delay(50);
    shared = redis;
}
var cache = new CachingJobDataSource(inner, new JobCacheKeys(options, new FixedEndpoint(new Uri("http://127.0.0.1:5100/"))), shared, metrics, options, TimeProvider.System, NullLogger<CachingJobDataSource>.Instance);
string[] ids = [.. WireSamples.Instance.Ids.Take(20)];
long n0 = 0;
async Task<int> Cold()
{
    var caller = new DrsCaller("bench-token-" + Interlocked.Increment(ref n0), ProjectId);
    var s = await cache.GetStatusesAsync(caller, ids, CancellationToken.None);
    var p = await cache.GetProgressAsync(caller, ids, CancellationToken.None);
    var d = await cache.GetDetailsAsync(caller, ids, CancellationToken.None);
    return s.Count + p.Count + d.Count;
}
for (var i = 0; i < 10000; i++) await Cold();
await Task.Delay(500);
using var l = new Listener();
var before = GC.GetTotalAllocatedBytes(true);
var n = 20000;
var sw = System.Diagnostics.Stopwatch.StartNew();
for (var i = 0; i < n; i++) await Cold();
await Task.Delay(500);
sw.Stop();
var total = GC.GetTotalAllocatedBytes(true) - before;
Console.WriteLine($"{(redisOn ? "redis" : "memory")}: {total / n} B/op, {sw.Elapsed.TotalMicroseconds / n:F1} us/op");
l.Dispose();
long sum = l.Counts.Values.Sum();
foreach (var (t, c) in l.Counts.OrderByDescending(kv => kv.Value).Take(30)) Console.WriteLine($"{100.0 * c / sum,5:F1}% {total / n * c / sum,7} B/op {t}");
if (redis is not null) await redis.StopAsync(CancellationToken.None);

sealed class FixedEndpoint(Uri baseAddress) : IDrsEndpointProvider { public Uri BaseAddress { get; } = baseAddress; }
sealed class Listener : EventListener
{
    public readonly Dictionary<string, long> Counts = new();
    protected override void OnEventSourceCreated(EventSource s) { if (s.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(s, EventLevel.Verbose, (EventKeywords)0x1); }
    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName != "GCAllocationTick_V4" || e.Payload is null) return;
        var name = (string)e.Payload[e.PayloadNames!.IndexOf("TypeName")]!;
        var amount = Convert.ToInt64(e.Payload[e.PayloadNames!.IndexOf("AllocationAmount64")]);
        lock (Counts) { Counts[name] = Counts.GetValueOrDefault(name) + amount; }
    }
}
