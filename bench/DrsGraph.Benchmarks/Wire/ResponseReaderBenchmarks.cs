using BenchmarkDotNet.Attributes;
using DrsGraph.Benchmarks.Infrastructure;
using DrsGraph.DrsClient;
using DrsGraph.DrsClient.Wire;

namespace DrsGraph.Benchmarks.Wire;

/// <summary>
/// The DRS client's reading of one 20-job batch answer per endpoint (<c>DrsResponseReader.Read</c>): the per-item
/// answers the client hands on, each item read on its own so a bad one fails alone. What an upstream call costs
/// after its bytes have arrived, without HTTP; <see cref="WireReadBenchmarks"/> is the same bytes in one piece.
/// </summary>
[MemoryDiagnoser]
public class ResponseReaderBenchmarks
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
    public int Read_status_x20() => DrsResponseReader.Read(DrsEndpoints.Status, 200, _status, null, null).Answers!.Count;

    [Benchmark]
    public int Read_progress_x20() => DrsResponseReader.Read(DrsEndpoints.Progress, 200, _progress, null, null).Answers!.Count;

    [Benchmark]
    public int Read_detail_x20() => DrsResponseReader.Read(DrsEndpoints.Detail, 200, _detail, null, null).Answers!.Count;
}
