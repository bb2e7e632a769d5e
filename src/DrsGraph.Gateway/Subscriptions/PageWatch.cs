namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// One <c>projectJobsUpdates</c> subscriber of a page's <see cref="PagePoller"/>: what it selected and what it
/// was last sent, so each event says what changed since the subscriber's own last event.
/// </summary>
internal sealed class PageWatch(JobSelection selection, IObserver<JobPageUpdate> observer, Action release)
    : Watch<JobPageUpdate>(observer, JobPageUpdate.Ending, release)
{
    public JobSelection Selection { get; } = selection;

    // Touched by the poller's loop only.

    /// <summary>Any event was sent (the first one says INITIAL).</summary>
    public bool Started { get; set; }

    /// <summary>The last page sent, null before the first or while only failures were sent.</summary>
    public PageState? Seen { get; set; }

    /// <summary>The code of the failure last sent, while failing; null once a page was sent again.</summary>
    public string? FailedWith { get; set; }
}
