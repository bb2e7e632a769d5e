using DrsGraph.Gateway.Browsing;
using GraphQL;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>What one <c>projectJobsUpdates</c> event says changed, compared with the last page its subscriber was sent.</summary>
public enum JobPageChange
{
    /// <summary>The first event: the page when the subscription started.</summary>
    Initial,

    /// <summary>Other jobs are on the page (some left it, some joined it).</summary>
    Membership,

    /// <summary>The same jobs are on the page in another order.</summary>
    Order,

    /// <summary>Another number of jobs matches the filter.</summary>
    TotalCount,

    /// <summary>The status of a job that stayed on the page changed.</summary>
    Status,

    /// <summary>The progress of a job that stayed on the page changed (only when <c>progress</c> is selected).</summary>
    Progress,

    /// <summary>The detail of a job that stayed on the page changed (only when <c>detail</c> is selected).</summary>
    Detail,

    /// <summary>The page could not be worked out this time (DRS failed): <c>page</c> is null, with the error on it; polling goes on.</summary>
    Failed,

    /// <summary>The page could be worked out again after <see cref="Failed"/>.</summary>
    Recovered,
}

/// <summary>
/// One event of a <c>projectJobsUpdates</c> stream: the page as the poll found it (its nodes resolve from the
/// poll's snapshots), or the error that kept the poll from working it out (<see cref="Failure"/>); what changed
/// and when. An event with <see cref="End"/> set is the last one: the field fails with that error.
/// </summary>
public sealed record JobPageUpdate(JobConnection? Page, IReadOnlyList<JobPageChange> Changes, DateTime ObservedAt, ExecutionError? Failure = null, ExecutionError? End = null)
{
    public static JobPageUpdate Ending(ExecutionError error, DateTime at) => new(null, [], at, End: error);
}
