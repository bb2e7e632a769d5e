using DrsGraph.Gateway.Browsing;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// The one poller of a watched page (scope, filter, order, page bounds): every <c>projectJobsUpdates</c>
/// subscription of it shares its polls (<see cref="JobPageSource"/>). Each subscriber is sent the page when it
/// starts, then again only when something it can see changed since the page it was last sent: the jobs on the
/// page, their order, the total count, or a selected field of a job that stayed on it. A poll that fails
/// transiently is sent once (FAILED) and polling goes on; one that can never succeed ends the streams.
/// </summary>
internal sealed class PagePoller(DrsCaller caller, ProjectPage page, JobPageSource source, SubscriptionOptions options, TimeProvider time, SubscriptionMetrics metrics, ILogger logger, Action<PagePoller> ended, CancellationToken stopping)
    : SharedPoller<PageWatch, JobPageUpdate>(caller, options, time, metrics, logger, poller => ended((PagePoller)poller), stopping)
{
    // Touched by the loop only.
    private PageState? _last;

    protected override async Task<TickOutcome> TickAsync(PageWatch[] watches)
    {
        var selection = new JobSelection(watches.Any(w => w.Selection.Progress), watches.Any(w => w.Selection.Detail));
        var observation = await source.EvaluateAsync(Caller, page, selection, _last, Stopping);
        if (observation.Unauthorized)
        {
            return EndUnauthorized(watches.Length);
        }

        if (observation.Fatal is { } fatal)
        {
            SubscriptionLog.PageWatchEnded(Logger, Caller.ProjectId, fatal.Code ?? "", watches.Length);
            Finish(fatal);
            return TickOutcome.Ended;
        }

        var changed = false;
        if (observation.State is not { } state)
        {
            var failure = observation.Failure!;
            foreach (var watch in watches.Where(w => w.FailedWith != failure.Code))
            {
                List<JobPageChange> changes = watch.Started ? [JobPageChange.Failed] : [JobPageChange.Initial, JobPageChange.Failed];
                Send(watch, new JobPageUpdate(null, changes, observation.ObservedAt, failure));
                watch.FailedWith = failure.Code;
            }

            // Failing: back off, as while nothing changes.
            return TickOutcome.Unchanged;
        }

        _last = state;
        WatchedJobs = state.Ids.Count;
        foreach (var watch in watches)
        {
            var changes = ChangesFor(watch, state);
            if (changes.Count == 0)
            {
                continue;
            }

            changed |= changes[0] != JobPageChange.Initial;
            Send(watch, new JobPageUpdate(state.Connection, changes, observation.ObservedAt));
            watch.Seen = state;
            watch.FailedWith = null;
        }

        return changed ? TickOutcome.Changed : TickOutcome.Unchanged;
    }

    private void Send(PageWatch watch, JobPageUpdate update)
    {
        if (watch.Emit(update))
        {
            Metrics.Event(watch.Started ? "change" : "initial", Caller.Region);
            watch.Started = true;
        }
    }

    /// <summary>What <paramref name="watch"/> can see changed since the page it was last sent (none: send nothing).</summary>
    private static List<JobPageChange> ChangesFor(PageWatch watch, PageState now)
    {
        if (!watch.Started)
        {
            return [JobPageChange.Initial];
        }

        List<JobPageChange> changes = watch.FailedWith is null ? [] : [JobPageChange.Recovered];
        if (watch.Seen is not { } before)
        {
            return changes;
        }

        if (!before.Ids.Order(StringComparer.Ordinal).SequenceEqual(now.Ids.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            changes.Add(JobPageChange.Membership);
        }
        else if (!before.Ids.SequenceEqual(now.Ids, StringComparer.Ordinal))
        {
            changes.Add(JobPageChange.Order);
        }

        if (before.TotalCount != now.TotalCount)
        {
            changes.Add(JobPageChange.TotalCount);
        }

        bool status = false, progress = false, detail = false;
        foreach (var (id, job) in now.Jobs)
        {
            if (before.Jobs.GetValueOrDefault(id) is not { } was)
            {
                // New to the page: MEMBERSHIP says it.
                continue;
            }

            status |= JobChanges.StatusChanged(was.Status, job.Status);
            progress |= watch.Selection.Progress && ProgressChanged(was.Progress, job.Progress);
            detail |= watch.Selection.Detail && DetailChanged(was.Detail, job.Detail);
        }

        if (status)
        {
            changes.Add(JobPageChange.Status);
        }

        if (progress)
        {
            changes.Add(JobPageChange.Progress);
        }

        if (detail)
        {
            changes.Add(JobPageChange.Detail);
        }

        return changes;
    }

    private static bool ProgressChanged(DrsResult<Fetched<JobProgress>>? before, DrsResult<Fetched<JobProgress>>? after) =>
        (before, after) switch
        {
            ({ } a, { } b) => JobChanges.ProgressChanged(a, b),
            (null, null) => false,
            _ => true,
        };

    // A detail is fetched again only when the job's status changed; one the cache answered unchanged is the same record.
    private static bool DetailChanged(DrsResult<Fetched<JobDetail>>? before, DrsResult<Fetched<JobDetail>>? after) =>
        (before, after) switch
        {
            ({ } a, { } b) => !ReferenceEquals(a.Value?.Value, b.Value?.Value) || a.Error?.Code != b.Error?.Code,
            (null, null) => false,
            _ => true,
        };
}
