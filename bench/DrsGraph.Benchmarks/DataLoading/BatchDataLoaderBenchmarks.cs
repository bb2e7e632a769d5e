using BenchmarkDotNet.Attributes;
using DrsGraph.Benchmarks.Infrastructure;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.DataLoading;
using DrsGraph.Gateway.Jobs;
using GraphQL.DataLoader;

namespace DrsGraph.Benchmarks.DataLoading;

/// <summary>
/// One operation's DataLoader: N jobs, each loaded by <c>FieldsPerJob</c> fields sharing the loader
/// (status, phase, isTerminal, isFailed all read batch-status), then every result awaited as GraphQL.NET
/// does. The fetch answers from memory, so this is the loader's own cost: registration, dedup, dispatch.
/// </summary>
[MemoryDiagnoser]
public class BatchDataLoaderBenchmarks
{
    private string[] _ids = [];
    private IDataLoaderResult<DrsResult<JobStatusInfo>>[] _pending = [];
    private BatchFetch<JobStatusInfo> _fetch = null!;

    [Params(20, 100)]
    public int Jobs { get; set; }

    [Params(1, 4)]
    public int FieldsPerJob { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var samples = WireSamples.Instance;
        _ids = [.. samples.Ids.Take(Jobs)];
        IReadOnlyDictionary<string, DrsResult<JobStatusInfo>> answers = samples.Statuses
            .Take(Jobs)
            .ToDictionary(s => s.Id!, s => DrsResult<JobStatusInfo>.Success(JobMapper.ToStatus(s)), StringComparer.Ordinal);
        var answered = Task.FromResult(answers);
        _fetch = (_, _) => answered;
        _pending = new IDataLoaderResult<DrsResult<JobStatusInfo>>[Jobs * FieldsPerJob];
    }

    [Benchmark]
    public async Task<int> Load_all_then_await_all()
    {
        var loader = new BatchDataLoader<JobStatusInfo>(_fetch);
        var n = 0;
        foreach (var id in _ids)
        {
            for (var f = 0; f < FieldsPerJob; f++)
            {
                _pending[n++] = loader.Load(id);
            }
        }

        var found = 0;
        foreach (var result in _pending)
        {
            if ((await result.GetResultAsync()).IsSuccess)
            {
                found++;
            }
        }

        return found == _pending.Length && loader.DispatchCount == 1 ? found : throw new InvalidOperationException("The loader did not batch.");
    }
}
