using DrsGraph.Gateway.GraphQLSchema;
using GraphQL;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>What one <c>jobUpdates</c> event says changed.</summary>
public enum JobChange
{
    /// <summary>The first event of each job: its state when the subscription started.</summary>
    Initial,

    /// <summary>The status fields changed: the status itself, its error, or whether it is a stale fallback.</summary>
    Status,

    /// <summary>The progress changed while the job is moving (only to subscribers that selected <c>progress</c>).</summary>
    Progress,

    /// <summary>The detail was fetched again because the status changed (only to subscribers that selected <c>detail</c>).</summary>
    Detail,
}

/// <summary>
/// One event of a <c>jobUpdates</c> stream: a job as the poll found it (<see cref="JobRef.Snapshot"/>), what
/// changed and when. An event with <see cref="End"/> set is the last one: the field fails with that error
/// (a refused token, ...) and the stream completes after it.
/// </summary>
public sealed record JobUpdate(JobRef Job, IReadOnlyList<JobChange> Changes, DateTime ObservedAt, ExecutionError? End = null)
{
    /// <summary>The final event of a stream that ends with an error instead of an update.</summary>
    public static JobUpdate Ending(ExecutionError error, DateTime at) => new(new JobRef(""), [], at, error);
}

/// <summary>Which DRS calls a subscriber's selection needs beyond batch-status (read from its selection set at subscribe time).</summary>
public sealed record JobSelection(bool Progress, bool Detail);
