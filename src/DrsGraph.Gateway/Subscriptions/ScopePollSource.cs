using DrsGraph.Gateway.Limits;
using DrsGraph.Gateway.DataSources;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>One watched job as the next poll of its scope must fetch it.</summary>
/// <param name="Id">The job ID (valid: checked at subscribe time).</param>
/// <param name="Progress">Someone watching it selected <c>progress</c>.</param>
/// <param name="Detail">Someone watching it selected <c>detail</c>.</param>
/// <param name="Initial">Someone still waits for its first event: fetch what they selected even if the job is terminal or unchanged.</param>
public sealed record JobDemand(string Id, bool Progress, bool Detail, bool Initial);

/// <summary>What one poll of a scope must fetch, with what the previous poll found (to tell a changed status).</summary>
public sealed record ScopeDemand(DrsCaller Caller, IReadOnlyList<JobDemand> Jobs, IReadOnlyDictionary<string, JobSnapshot> Previous);

/// <summary>What one poll found.</summary>
/// <param name="ObservedAt">When the poll found the jobs.</param>
/// <param name="Jobs">Every job the poll covered.</param>
/// <param name="Unauthorized">DRS refused the scope's token (HTTP 401): nothing else is set.</param>
/// <param name="Paced">
/// The source itself waited for this observation (another replica polled and published it): the poller asks
/// again at once instead of waiting its own tick, since the source paces the next one.
/// </param>
public sealed record ScopeObservation(DateTime ObservedAt, IReadOnlyDictionary<string, JobSnapshot> Jobs, bool Unauthorized, bool Paced = false);

/// <summary>
/// Where a scope's observations come from: the seam between a <see cref="ScopePoller"/> (subscribers, diffs,
/// events, tick timing) and DRS. Without Redis every replica polls for its own subscribers
/// (<see cref="DrsScopePollSource"/>); with Redis the lease holder of a scope polls and publishes each
/// observation, and the other replicas hand their subscribers what it published (<see cref="SharedScopeFeeds"/>).
/// </summary>
public interface IScopePollSource
{
    Task<ScopeObservation> PollAsync(ScopeDemand demand, CancellationToken cancellationToken);

    /// <summary>A poller of <paramref name="caller"/>'s scope starts; disposing the result says it ended (null: nothing to say).</summary>
    IDisposable? Attach(DrsCaller caller) => null;
}

/// <summary>
/// Polls DRS through the data-source chain's refresh path (cache past freshness, then DRS; answers stored for
/// queries too): one batch-status call per 100 jobs, batch-progress for moving jobs someone selected progress
/// for, batch-detail for jobs whose status changed that someone selected detail for. Each poll has its own
/// time budget (<see cref="SubscriptionOptions.PollTimeout"/>).
/// </summary>
public sealed class DrsScopePollSource(
    JobDataSourceChain chain,
    IOptions<SubscriptionOptions> options,
    IOptions<DrsClientOptions> drsOptions,
    SubscriptionMetrics metrics,
    TimeProvider time,
    ILogger<RequestBudget> budgetLogger) : IScopePollSource
{
    // Each poll has a budget of its own; what it cuts short is one line per poll, whatever fields' batches it cut.
    public Task<ScopeObservation> PollAsync(ScopeDemand demand, CancellationToken cancellationToken) =>
        RequestBudget.RunAsync(options.Value.PollTimeout, time, budgetLogger, budget => PollAsync(demand, chain.ForPoll(budget), cancellationToken));

    private async Task<ScopeObservation> PollAsync(ScopeDemand demand, IJobDataSource source, CancellationToken cancellationToken)
    {
        var caller = demand.Caller;

        var ids = demand.Jobs.Select(j => j.Id).ToArray();
        var statuses = await FetchAsync(JobEndpoints.Status, caller.Region, ids, ct => source.GetStatusesAsync(caller, ids, ct), cancellationToken);
        var observedAt = time.GetUtcNow().UtcDateTime;
        if (statuses.Values.Any(r => r.Error is { Kind: DrsErrorKind.Unauthorized }))
        {
            return new ScopeObservation(observedAt, new Dictionary<string, JobSnapshot>(), Unauthorized: true);
        }

        var progressIds = new List<string>();
        var detailIds = new List<string>();
        foreach (var job in demand.Jobs)
        {
            var status = statuses[job.Id];
            if (job.Progress && (job.Initial || !JobChanges.IsTerminal(status)))
            {
                progressIds.Add(job.Id);
            }

            if (job.Detail && (job.Initial || JobChanges.StatusChanged(demand.Previous.GetValueOrDefault(job.Id)?.Status, status)))
            {
                detailIds.Add(job.Id);
            }
        }

        // Both depend only on the status answers: ask them at once.
        var progressTask = progressIds.Count == 0 ? null : FetchAsync(JobEndpoints.Progress, caller.Region, progressIds, ct => source.GetProgressAsync(caller, progressIds, ct), cancellationToken);
        var detailTask = detailIds.Count == 0 ? null : FetchAsync(JobEndpoints.Detail, caller.Region, detailIds, ct => source.GetDetailsAsync(caller, detailIds, ct), cancellationToken);
        var progress = progressTask is null ? null : await progressTask;
        var details = detailTask is null ? null : await detailTask;

        var jobs = new Dictionary<string, JobSnapshot>(ids.Length, StringComparer.Ordinal);
        foreach (var id in ids)
        {
            jobs[id] = new JobSnapshot(statuses[id], Find(progress, id), Find(details, id));
        }

        return new ScopeObservation(observedAt, jobs, Unauthorized: false);
    }

    private static DrsResult<T>? Find<T>(IReadOnlyDictionary<string, DrsResult<T>>? answers, string id)
        where T : class =>
        answers is not null && answers.TryGetValue(id, out var answer) ? answer : null;

    private Task<IReadOnlyDictionary<string, DrsResult<Fetched<T>>>> FetchAsync<T>(
        string endpoint, string region, IReadOnlyList<string> ids, Func<CancellationToken, Task<IReadOnlyDictionary<string, DrsResult<Fetched<T>>>>> fetch, CancellationToken cancellationToken)
        where T : class =>
        PollFetch.FetchAsync(metrics, drsOptions.Value.ChunkSize, endpoint, region, ids, fetch, cancellationToken);
}

/// <summary>Tag values of <c>drsgraph.subscriptions.poll.upstream_calls</c>.</summary>
public static class JobEndpoints
{
    public const string Status = "status";
    public const string Progress = "progress";
    public const string Detail = "detail";
    public const string List = "list";
}
