using DrsGraph.DrsClient;
using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// The one <c>jobUpdates</c> poller of a scope (DRS endpoint, project, token, language): every subscription of
/// that scope shares its polls. Each tick asks its <see cref="IScopePollSource"/> for the watched jobs, compares
/// with the previous poll and hands each subscriber the events it can see (the loop and its timing:
/// <see cref="SharedPoller{TWatch, TEvent}"/>).
/// </summary>
internal sealed class ScopePoller(DrsCaller caller, IScopePollSource source, SubscriptionOptions options, TimeProvider time, SubscriptionMetrics metrics, ILogger logger, Action<ScopePoller> ended, CancellationToken stopping)
    : SharedPoller<JobWatch, JobUpdate>(caller, options, time, metrics, logger, poller => ended((ScopePoller)poller), stopping)
{
    // Touched by the loop only.
    private Dictionary<string, JobSnapshot> _known = new(StringComparer.Ordinal);

    protected override IDisposable? Attach() => source.Attach(Caller);

    protected override async Task<TickOutcome> TickAsync(JobWatch[] watches)
    {
        var demand = DemandOf(watches);
        WatchedJobs = demand.Count;
        if (demand.Count == 0)
        {
            CompleteDone(watches);
            return TickOutcome.Idle;
        }

        var observation = await source.PollAsync(new ScopeDemand(Caller, demand, _known), Stopping);
        if (observation.Unauthorized)
        {
            return EndUnauthorized(watches.Length);
        }

        var changed = Publish(watches, observation);
        CompleteDone(watches);
        // A paced observation came from another replica's poll: the source waits for the next one.
        return observation.Paced ? TickOutcome.Paced : changed ? TickOutcome.Changed : TickOutcome.Unchanged;
    }

    /// <summary>Every job someone still needs: its first event is due, or it is not terminal yet.</summary>
    private static List<JobDemand> DemandOf(JobWatch[] watches)
    {
        var jobs = new Dictionary<string, JobDemand>(StringComparer.Ordinal);
        foreach (var watch in watches)
        {
            foreach (var id in watch.Ids)
            {
                var initial = watch.PendingInitial.Contains(id);
                if (!initial && !watch.Open.Contains(id))
                {
                    continue;
                }

                var wanted = new JobDemand(id, watch.Selection.Progress, watch.Selection.Detail, initial);
                jobs[id] = jobs.TryGetValue(id, out var known)
                    ? new JobDemand(id, known.Progress || wanted.Progress, known.Detail || wanted.Detail, known.Initial || wanted.Initial)
                    : wanted;
            }
        }

        return [.. jobs.Values];
    }

    /// <summary>Hands every subscriber the events it can see; true when any job changed.</summary>
    private bool Publish(JobWatch[] watches, ScopeObservation observation)
    {
        var known = new Dictionary<string, JobSnapshot>(observation.Jobs.Count, StringComparer.Ordinal);
        var changes = new Dictionary<string, (bool Status, bool Progress, bool Detail)>(observation.Jobs.Count, StringComparer.Ordinal);
        var anyChange = false;
        foreach (var (id, found) in observation.Jobs)
        {
            var previous = _known.GetValueOrDefault(id);
            var status = JobChanges.StatusChanged(previous?.Status, found.Status);
            var progress = found.Progress is { } now && previous?.Progress is { } before && JobChanges.ProgressChanged(before, now);
            // A detail is fetched again only when the status changed (or for a first event).
            var detail = found.Detail is not null && status;
            // What a poll did not fetch this time stays what the last one found, for the events' snapshots.
            known[id] = new JobSnapshot(found.Status, found.Progress ?? previous?.Progress, found.Detail ?? previous?.Detail);
            changes[id] = (status && previous is not null, progress, detail && previous is not null);
            anyChange |= previous is not null && (status || progress);
        }

        _known = known;
        foreach (var watch in watches)
        {
            foreach (var id in watch.Ids)
            {
                if (!known.TryGetValue(id, out var snapshot) || !(watch.PendingInitial.Contains(id) || watch.Open.Contains(id)))
                {
                    continue;
                }

                List<JobChange> seen = [];
                if (watch.PendingInitial.Remove(id))
                {
                    seen.Add(JobChange.Initial);
                }
                else
                {
                    var (status, progress, detail) = changes[id];
                    if (status)
                    {
                        seen.Add(JobChange.Status);
                    }

                    if (progress && watch.Selection.Progress)
                    {
                        seen.Add(JobChange.Progress);
                    }

                    if (detail && watch.Selection.Detail)
                    {
                        seen.Add(JobChange.Detail);
                    }
                }

                if (JobChanges.IsTerminal(snapshot.Status))
                {
                    watch.Open.Remove(id);
                }

                if (seen.Count > 0 && watch.Emit(new JobUpdate(new JobRef(id, snapshot), seen, observation.ObservedAt)))
                {
                    Metrics.Event(seen[0] == JobChange.Initial ? "initial" : "change", Caller.Region);
                }
            }
        }

        return anyChange;
    }

    /// <summary>
    /// Completes the subscribers whose every job has had its first event and is terminal or unknown to DRS
    /// (a subscription of only unknown IDs would otherwise never end).
    /// </summary>
    private void CompleteDone(JobWatch[] watches)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        foreach (var watch in watches)
        {
            if (watch.PendingInitial.Count == 0 && watch.Open.All(id => _known.TryGetValue(id, out var job) && JobChanges.IsUnknown(job.Status)))
            {
                // Its release (the hub's) takes it off this poller.
                watch.Complete(null, now);
            }
        }
    }
}
