using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.DataSources;

/// <summary>
/// Where the DataLoaders get jobs from: the DRS client, with wire records mapped to the gateway's
/// vocabulary. The seam where caching plugs in. Each value comes with its freshness (<see cref="Fetched{T}"/>).
/// </summary>
public interface IJobDataSource
{
    Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>>> GetStatusesAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>>> GetProgressAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken);

    Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>>> GetDetailsAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken);
}
