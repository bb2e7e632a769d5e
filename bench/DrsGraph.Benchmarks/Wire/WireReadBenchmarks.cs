using System.Text.Json;
using BenchmarkDotNet.Attributes;
using DrsGraph.Benchmarks.Infrastructure;
using DrsGraph.DrsClient;
using DrsGraph.DrsClient.Wire;

namespace DrsGraph.Benchmarks.Wire;

/// <summary>
/// Reading one 20-job batch answer per endpoint with the client's source-generated JSON context, two ways: the bytes
/// as one batch (<c>Read_*</c>), and what the DRS client does per upstream call before mapping, per-item answers
/// included (<c>Client_read_*</c>: <c>DrsResponseReader.Read</c>). The HTTP part is not included. <c>Scrub_*</c>: the
/// search for an echo of the caller's token the client makes in every answer before reading it (<c>SecretEcho</c>); the
/// samples are written as the emulator writes them, <c>+</c> escaped as <c>\u002B</c> (detail: notification phone numbers).
/// </summary>
[MemoryDiagnoser]
public class WireReadBenchmarks
{
    private byte[] _status = [];
    private byte[] _progress = [];
    private byte[] _detail = [];

    // As the benchmark harness's cold20 sends them: a new token per request.
    private const string Token = "bench-cold-1765148400-1-12345";

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

    [Benchmark]
    public int Scrub_status_x20() => SecretEcho.Without(Token, _status).Length;

    [Benchmark]
    public int Scrub_progress_x20() => SecretEcho.Without(Token, _progress).Length;

    [Benchmark]
    public int Scrub_detail_x20() => SecretEcho.Without(Token, _detail).Length;
}
