using DrsGraph.Benchmarks.Infrastructure;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.DataSources;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Benchmarks.GraphQL;

/// <summary>The emulator's captured answers, already mapped: GraphQL execution without any I/O.</summary>
public sealed class InMemoryJobDataSource : IJobDataSource
{
    private readonly Dictionary<string, DrsResult<Fetched<JobStatusInfo>>> _statuses;
    private readonly Dictionary<string, DrsResult<Fetched<JobProgress>>> _progress;
    private readonly Dictionary<string, DrsResult<Fetched<JobDetail>>> _details;

    public InMemoryJobDataSource(WireSamples samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        _statuses = samples.Statuses.ToDictionary(s => s.Id!, s => DrsResult<Fetched<JobStatusInfo>>.Success(new(JobMapper.ToStatus(s), null)), StringComparer.Ordinal);
        _progress = samples.Progress.ToDictionary(p => p.JobId!, p => DrsResult<Fetched<JobProgress>>.Success(new(JobMapper.ToProgress(p), null)), StringComparer.Ordinal);
        _details = samples.Details.ToDictionary(d => d.Id!, d => DrsResult<Fetched<JobDetail>>.Success(new(JobMapper.ToDetail(d.Id!, d), null)), StringComparer.Ordinal);
    }

    public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>>> GetStatusesAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>>>(Pick(_statuses, jobIds));

    public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>>> GetProgressAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>>>(Pick(_progress, jobIds));

    public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>>> GetDetailsAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>>>(Pick(_details, jobIds));

    // A new dictionary per call, as a real data source builds one per batch.
    private static Dictionary<string, DrsResult<T>> Pick<T>(Dictionary<string, DrsResult<T>> all, IReadOnlyList<string> ids)
        where T : class
    {
        var picked = new Dictionary<string, DrsResult<T>>(ids.Count, StringComparer.Ordinal);
        foreach (var id in ids)
        {
            picked[id] = all[id];
        }

        return picked;
    }
}
