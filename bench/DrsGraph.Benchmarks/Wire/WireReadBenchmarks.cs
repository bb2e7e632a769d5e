using System.Text.Json;
using BenchmarkDotNet.Attributes;
using DrsGraph.Benchmarks.Infrastructure;
using DrsGraph.DrsClient;
using DrsGraph.DrsClient.Wire;

namespace DrsGraph.Benchmarks.Wire;

/// <summary>
/// Reading one 20-job batch answer per endpoint with the client's source-generated JSON context, two ways: the bytes
/// as one batch (<c>Read_*</c>), and what the DRS client does per upstream call before mapping, per-item answers
/// included (<c>Client_read_*</c>: <c>DrsResponseReader.Read</c>). The HTTP part is not included.
/// </summary>
[MemoryDiagnoser]
public class WireReadBenchmarks
{
    private byte[] _status = [];
    private byte[] _progress = [];
    private byte[] _detail = [];

    [GlobalSetup]
    public void Setup()
    {
        var s = WireSamples.Instance;
        _status = WireSamples.JsonFor(s.Statuses, 20, DrsWireJsonContext.Default.BatchResponseWireJobStatusWire);
        _progress = WireSamples.JsonFor(s.Progress, 20, DrsWireJsonContext.Default.BatchResponseWireJobProgressWire);
        _detail = WireSamples.JsonFor(s.Details, 20, DrsWireJsonContext.Default.BatchResponseWireJobDetailWire);
    }

    [Benchmark]
    public int Read_status_x20() => JsonSerializer.Deserialize(_status, DrsWireJsonContext.Default.BatchResponseWireJobStatusWire)!.Results!.Count;

    [Benchmark]
    public int Read_progress_x20() => JsonSerializer.Deserialize(_progress, DrsWireJsonContext.Default.BatchResponseWireJobProgressWire)!.Results!.Count;

    [Benchmark]
    public int Read_detail_x20() => JsonSerializer.Deserialize(_detail, DrsWireJsonContext.Default.BatchResponseWireJobDetailWire)!.Results!.Count;

    [Benchmark]
    public int Client_read_status_x20() => DrsResponseReader.Read(DrsEndpoints.Status, 200, _status, null, null).Answers!.Count;

    [Benchmark]
    public int Client_read_progress_x20() => DrsResponseReader.Read(DrsEndpoints.Progress, 200, _progress, null, null).Answers!.Count;

    [Benchmark]
    public int Client_read_detail_x20() => DrsResponseReader.Read(DrsEndpoints.Detail, 200, _detail, null, null).Answers!.Count;
}
