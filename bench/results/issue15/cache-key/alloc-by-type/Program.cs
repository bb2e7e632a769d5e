// What the job cache's cold miss path allocates, by type: CacheMissPathBenchmarks' Cold_new_caller (a new caller per
// operation, 60 misses over the in-memory data source, memory level only, 64 MB) 20 000 times to warm up, then 30 000
// times under an EventListener sampling the runtime's GCAllocationTick events (one per ~100 KB, with the type).
// By hand, from this folder:  dotnet run -c Release [-- cold|warm]   (bench/README.md, 2026-12-06 16:10 UTC)
// The us/op it prints includes the listener's overhead: compare it only with itself.
using System.Diagnostics.Tracing;
using DrsGraph.Benchmarks.Caching;
var b = new CacheMissPathBenchmarks { MemoryMegabytes = 64 };
await b.Setup();
var mode = args.Length > 0 ? args[0] : "cold";
for (var i = 0; i < 20000; i++) { if (mode == "cold") await b.Cold_new_caller(); else await b.Warm_same_caller(); }
using var l = new Listener();
var before = GC.GetTotalAllocatedBytes(true);
var n = 30000;
var sw = System.Diagnostics.Stopwatch.StartNew();
for (var i = 0; i < n; i++) { if (mode == "cold") await b.Cold_new_caller(); else await b.Warm_same_caller(); }
sw.Stop();
var total = GC.GetTotalAllocatedBytes(true) - before;
Console.WriteLine($"{mode}: {total / n} B/op, {sw.Elapsed.TotalMicroseconds / n:F1} us/op");
l.Dispose();
long sum = l.Counts.Values.Sum();
foreach (var (t, c) in l.Counts.OrderByDescending(kv => kv.Value).Take(30)) Console.WriteLine($"{100.0 * c / sum,5:F1}% {total / n * c / sum,7} B/op {t}");
b.Dispose();
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
