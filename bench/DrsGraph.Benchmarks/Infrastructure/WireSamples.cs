using System.Net.Http.Json;
using System.Text.Json;
using DrsGraph.DrsClient.Wire;
using DrsGraph.Emulator;

namespace DrsGraph.Benchmarks.Infrastructure;

/// <summary>
/// Realistic wire data: the emulator's own answers for its first 100 live seed jobs (every stage,
/// failures, progress maps, full details), captured once over loopback and reused by every benchmark.
/// </summary>
public sealed class WireSamples
{
    private const string ProjectId = "054ba152d480d55b2f5dc0069e7ddef0";

    private static readonly Lazy<WireSamples> Shared = new(() => CaptureAsync(CancellationToken.None).GetAwaiter().GetResult());

    private WireSamples(IReadOnlyList<string> ids, byte[] status, byte[] progress, byte[] detail)
    {
        Ids = ids;
        StatusJson = status;
        ProgressJson = progress;
        DetailJson = detail;
        Statuses = Read(status, DrsWireJsonContext.Default.BatchResponseWireJobStatusWire);
        Progress = Read(progress, DrsWireJsonContext.Default.BatchResponseWireJobProgressWire);
        Details = Read(detail, DrsWireJsonContext.Default.BatchResponseWireJobDetailWire);
    }

    public static WireSamples Instance => Shared.Value;

    /// <summary>100 existing, not deleted job IDs, in the emulator's order.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Raw batch answers for all 100 IDs, as the emulator sent them.</summary>
    public byte[] StatusJson { get; }

    public byte[] ProgressJson { get; }

    public byte[] DetailJson { get; }

    public IReadOnlyList<JobStatusWire> Statuses { get; }

    public IReadOnlyList<JobProgressWire> Progress { get; }

    public IReadOnlyList<JobDetailWire> Details { get; }

    /// <summary>Raw batch answers for the first <paramref name="count"/> IDs (re-serialized from the captured records).</summary>
    public static byte[] JsonFor<T>(IReadOnlyList<T> items, int count, System.Text.Json.Serialization.Metadata.JsonTypeInfo<BatchResponseWire<T>> type) =>
        JsonSerializer.SerializeToUtf8Bytes(new BatchResponseWire<T>(count, [.. items.Take(count)]), type);

    private static CappedItems<T> Read<T>(byte[] json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<BatchResponseWire<T>> type) =>
        JsonSerializer.Deserialize(json, type)?.Results ?? throw new InvalidOperationException("The emulator answered no results.");

    private static async Task<WireSamples> CaptureAsync(CancellationToken cancellationToken)
    {
        await using var emulator = EmulatorApplication.Create(["--urls", "http://127.0.0.1:0"]);
        await emulator.StartAsync(cancellationToken);
        using var http = new HttpClient { BaseAddress = emulator.GetBaseAddress() };
        http.DefaultRequestHeaders.Add("X-Auth-Token", "bench-token");

        using var jobs = JsonDocument.Parse(await http.GetStringAsync(new Uri($"_emulator/jobs?projectId={ProjectId}", UriKind.Relative), cancellationToken));
        var ids = jobs.RootElement.GetProperty("jobs").EnumerateArray()
            .Where(j => !j.GetProperty("deleted").GetBoolean())
            .Select(j => j.GetProperty("id").GetString()!)
            .Take(100)
            .ToArray();
        var body = new BatchRequestWire(ids, new PageReqWire(1, 100));

        async Task<byte[]> PostAsync(string endpoint)
        {
            using var response = await http.PostAsJsonAsync(new Uri($"v3/{ProjectId}/jobs/batch-{endpoint}", UriKind.Relative), body, DrsWireJsonContext.Default.BatchRequestWire, cancellationToken);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }

        var samples = new WireSamples(ids, await PostAsync("status"), await PostAsync("progress"), await PostAsync("detail"));
        await emulator.StopAsync(cancellationToken);
        return samples;
    }
}
