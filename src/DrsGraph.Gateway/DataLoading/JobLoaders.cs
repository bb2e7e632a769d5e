using DrsGraph.DrsClient;
using DrsGraph.Gateway.DataSources;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.DataLoading;

/// <summary>One DataLoader per DRS batch call, for one operation and one caller.</summary>
public sealed class JobLoaders(IJobDataSource source, DrsCaller caller)
{
    public BatchDataLoader<Fetched<JobStatusInfo>> Status { get; } = new((ids, ct) => source.GetStatusesAsync(caller, ids, ct));

    public BatchDataLoader<Fetched<JobProgress>> Progress { get; } = new((ids, ct) => source.GetProgressAsync(caller, ids, ct));

    public BatchDataLoader<Fetched<JobDetail>> Detail { get; } = new((ids, ct) => source.GetDetailsAsync(caller, ids, ct));
}
