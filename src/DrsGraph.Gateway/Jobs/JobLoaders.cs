using DrsGraph.DrsClient;
using DrsGraph.Gateway.DataLoading;

namespace DrsGraph.Gateway.Jobs;

/// <summary>One DataLoader per DRS batch call, for one operation and one caller.</summary>
public sealed class JobLoaders(IJobDataSource source, DrsCaller caller)
{
    public BatchDataLoader<Fetched<JobStatusInfo>> Status { get; } = new((ids, ct) => source.GetStatusesAsync(caller, ids, ct));

    public BatchDataLoader<Fetched<JobProgress>> Progress { get; } = new((ids, ct) => source.GetProgressAsync(caller, ids, ct));

    public BatchDataLoader<Fetched<JobDetail>> Detail { get; } = new((ids, ct) => source.GetDetailsAsync(caller, ids, ct));
}
