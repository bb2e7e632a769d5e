// Summarises the allocation ticks (one every ~100 KB allocated, with its type and stack) of a trace taken by
// `probe.sh alloc`: bytes by type, by the nearest frame whose method name holds the filter, and by both.
// Arguments: the .nettrace file, then the filter (default "DrsGraph").
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

var path = args[0];
var filter = args.Length > 1 ? args[1] : "DrsGraph";
using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(path));
var byType = new Dictionary<string, long>(StringComparer.Ordinal);
var byFrame = new Dictionary<string, long>(StringComparer.Ordinal);
var byBoth = new Dictionary<string, long>(StringComparer.Ordinal);
long total = 0;
foreach (var ev in log.Events)
{
    if (ev is not GCAllocationTickTraceData tick)
    {
        continue;
    }

    var amount = tick.AllocationAmount64;
    total += amount;
    var type = tick.TypeName ?? "?";
    var frame = "(no matching frame)";
    for (var stack = ev.CallStack(); stack is not null; stack = stack.Caller)
    {
        var name = stack.CodeAddress.FullMethodName;
        if (!string.IsNullOrEmpty(name) && name.Contains(filter, StringComparison.Ordinal))
        {
            frame = name;
            break;
        }
    }

    Add(byType, type, amount);
    Add(byFrame, frame, amount);
    Add(byBoth, $"{frame}  <=  {type}", amount);
}

Console.WriteLine($"sampled {total / 1048576.0:F1} MB");
Top("by type", byType, 30);
Top("by nearest frame", byFrame, 40);
Top("by frame and type", byBoth, 40);

static void Add(Dictionary<string, long> totals, string key, long amount) => totals[key] = totals.GetValueOrDefault(key) + amount;

void Top(string title, Dictionary<string, long> totals, int count)
{
    Console.WriteLine($"-- {title}");
    foreach (var (key, bytes) in totals.OrderByDescending(pair => pair.Value).Take(count))
    {
        Console.WriteLine($"{100.0 * bytes / total,6:F2}% {key}");
    }
}
