namespace DrsGraph.Gateway.Subscriptions;

/// <summary>One <c>jobUpdates</c> subscriber of a scope's <see cref="ScopePoller"/>: the jobs it watches and what it selected.</summary>
internal sealed class JobWatch(IReadOnlyList<string> ids, JobSelection selection, IObserver<JobUpdate> observer, Action release)
    : Watch<JobUpdate>(observer, JobUpdate.Ending, release)
{
    public IReadOnlyList<string> Ids { get; } = ids;

    public JobSelection Selection { get; } = selection;

    /// <summary>Jobs whose first event is still due. Touched by the poller's loop only.</summary>
    public HashSet<string> PendingInitial { get; } = new(ids, StringComparer.Ordinal);

    /// <summary>Jobs not yet seen terminal. Touched by the poller's loop only.</summary>
    public HashSet<string> Open { get; } = new(ids, StringComparer.Ordinal);
}
