using BenchmarkDotNet.Attributes;
using DrsGraph.Benchmarks.Infrastructure;
using DrsGraph.DrsClient.Wire;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Benchmarks.Jobs;

/// <summary>Wire to GraphQL vocabulary for the 20 records one 20-job query maps per endpoint.</summary>
[MemoryDiagnoser]
public class JobMapperBenchmarks
{
    private JobStatusWire[] _statuses = [];
    private JobProgressWire[] _progress = [];
    private JobDetailWire[] _details = [];

    [GlobalSetup]
    public void Setup()
    {
        var samples = WireSamples.Instance;
        _statuses = [.. samples.Statuses.Take(20)];
        _progress = [.. samples.Progress.Take(20)];
        _details = [.. samples.Details.Take(20)];
    }

    [Benchmark]
    public int ToStatus_x20()
    {
        var failed = 0;
        foreach (var wire in _statuses)
        {
            failed += JobMapper.ToStatus(wire).IsFailed ? 1 : 0;
        }

        return failed;
    }

    [Benchmark]
    public int ToProgress_x20()
    {
        var phases = 0;
        foreach (var wire in _progress)
        {
            phases += JobMapper.ToProgress(wire).Phases.Count;
        }

        return phases;
    }

    [Benchmark]
    public int ToDetail_x20()
    {
        var tags = 0;
        foreach (var wire in _details)
        {
            tags += JobMapper.ToDetail(wire.Id!, wire).Tags.Count;
        }

        return tags;
    }
}
