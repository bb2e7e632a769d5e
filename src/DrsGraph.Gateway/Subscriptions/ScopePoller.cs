using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.Errors;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// The one poller of a scope (DRS endpoint, project, token, language): every subscription of that scope
/// shares its polls. A loop asks its <see cref="IScopePollSource"/> for the watched jobs, compares with
/// the previous poll and hands each subscriber the events it can see. Ticks are <c>MinTick</c> apart
/// while something changes and back off, doubling, to <c>MaxTick</c> while nothing does; a new subscriber
/// brings the next tick forward (never closer than <c>MinTick</c> to the last). The loop ends when the last
/// subscriber leaves, DRS refuses the token, or the host stops.
/// </summary>
/// <remarks>
/// The caller (with its token) lives only here, in memory: it is never logged and never part of a key.
/// </remarks>
internal sealed class ScopePoller
{
    private readonly DrsCaller _caller;
    private readonly IScopePollSource _source;
    private readonly SubscriptionOptions _options;
    private readonly TimeProvider _time;
    private readonly SubscriptionMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Action<ScopePoller> _ended;
    private readonly CancellationToken _stopping;
    private readonly Lock _gate = new();
    private readonly List<JobWatch> _watches = [];
    private TaskCompletionSource _wake = NewSignal();
    private bool _running;
    private bool _finished;

    // Touched by the loop only.
    private Dictionary<string, JobSnapshot> _known = new(StringComparer.Ordinal);

    public ScopePoller(DrsCaller caller, IScopePollSource source, SubscriptionOptions options, TimeProvider time, SubscriptionMetrics metrics, ILogger logger, Action<ScopePoller> ended, CancellationToken stopping)
    {
        _caller = caller;
        _source = source;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _ended = ended;
        _stopping = stopping;
    }

    /// <summary>Distinct jobs the last poll covered (for the watched-jobs gauge, which the setter keeps per region).</summary>
    public int WatchedJobs
    {
        get => _watchedJobs;
        private set
        {
            // Set by the loop only, so the difference is exact.
            _metrics.WatchedJobsChanged(_caller.Region, value - _watchedJobs);
            _watchedJobs = value;
        }
    }

    private int _watchedJobs;

    /// <summary>Polls made so far (for tests and diagnostics).</summary>
    public long Ticks => Interlocked.Read(ref _ticks);

    private long _ticks;

    /// <summary>Adds a subscriber and brings the next tick forward for its first events. False once the poller has finished: use a new one.</summary>
    public bool TryAdd(JobWatch watch)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return false;
            }

            _watches.Add(watch);
            _wake.TrySetResult();
            if (!_running)
            {
                _running = true;
                _metrics.PollerStarted(_caller.Region);
                _ = Task.Run(RunAsync);
            }

            return true;
        }
    }

    /// <summary>A subscriber left; the loop ends at its next wake-up when it was the last.</summary>
    public void Remove(JobWatch watch)
    {
        lock (_gate)
        {
            _watches.Remove(watch);
            if (_watches.Count == 0)
            {
                _wake.TrySetResult();
            }
        }
    }

    /// <summary>Completes every subscriber and finishes the poller (the host is stopping).</summary>
    public void CompleteAll() => Finish(null);

    /// <summary>Completes every subscriber, after a last event carrying <paramref name="error"/> when given.</summary>
    private void Finish(GraphQL.ExecutionError? error)
    {
        JobWatch[] watches;
        lock (_gate)
        {
            _finished = true;
            watches = [.. _watches];
            _watches.Clear();
            _wake.TrySetResult();
        }

        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var watch in watches)
        {
            if (watch.Complete(error, now) && error is not null)
            {
                _metrics.Event("end", _caller.Region);
            }
        }
    }

    private async Task RunAsync()
    {
        var delay = TimeSpan.Zero;
        DateTimeOffset? lastTick = null;
        using var attached = _source.Attach(_caller);
        try
        {
            while (true)
            {
                await WaitForTickAsync(delay, lastTick);
                JobWatch[] watches;
                lock (_gate)
                {
                    _watches.RemoveAll(w => w.IsClosed);
                    if (_finished || _watches.Count == 0 || _stopping.IsCancellationRequested)
                    {
                        _finished = true;
                        watches = [.. _watches];
                        _watches.Clear();
                    }
                    else
                    {
                        watches = [.. _watches];
                    }
                }

                if (_finished)
                {
                    // The host is stopping (or the last subscriber left): complete whoever is still here.
                    var now = _time.GetUtcNow().UtcDateTime;
                    foreach (var watch in watches)
                    {
                        watch.Complete(null, now);
                    }

                    return;
                }

                var demand = DemandOf(watches);
                WatchedJobs = demand.Count;
                if (demand.Count == 0)
                {
                    CompleteDone(watches);
                    delay = _options.MaxTick;
                    continue;
                }

                lastTick = _time.GetUtcNow();
                ScopeObservation observation;
                try
                {
                    observation = await _source.PollAsync(new ScopeDemand(_caller, demand, _known), _stopping);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    continue;
                }

                Interlocked.Increment(ref _ticks);
                if (!observation.Paced)
                {
                    // Only polls this replica made: following another replica's costs DRS nothing.
                    _metrics.Tick(_caller.Region);
                }

                if (observation.Unauthorized)
                {
                    SubscriptionLog.TokenRefused(_logger, _caller.ProjectId, watches.Length);
                    Finish(GatewayErrors.Create(GatewayErrorCodes.Unauthenticated, "DRS refused the caller's token (HTTP 401): the subscription ends. Subscribe again with a valid X-Auth-Token."));
                    return;
                }

                var changed = Publish(watches, observation);
                CompleteDone(watches);
                // A paced observation came from another replica's poll: the source waits for the next one.
                delay = observation.Paced ? TimeSpan.Zero : changed ? _options.MinTick : Clamp(delay + delay);
            }
        }
        catch (Exception exception)
        {
            // Never leave subscribers waiting on a dead loop.
            SubscriptionLog.PollerFailed(_logger, _caller.ProjectId, exception);
            Finish(GatewayErrors.Create(GatewayErrorCodes.UpstreamUnavailable, "The gateway stopped polling DRS for this subscription after an internal error: subscribe again."));
        }
        finally
        {
            lock (_gate)
            {
                _finished = true;
            }

            WatchedJobs = 0;
            _metrics.PollerStopped(_caller.Region);
            _ended(this);
        }
    }

    private TimeSpan Clamp(TimeSpan delay) =>
        delay < _options.MinTick ? _options.MinTick : delay > _options.MaxTick ? _options.MaxTick : delay;

    private async Task WaitForTickAsync(TimeSpan delay, DateTimeOffset? lastTick)
    {
        Task wake;
        lock (_gate)
        {
            wake = _wake.Task;
        }

        using (var timer = CancellationTokenSource.CreateLinkedTokenSource(_stopping))
        {
            var elapsed = Task.Delay(delay, _time, timer.Token);
            var first = await Task.WhenAny(elapsed, wake);
            timer.Cancel();
            if (first != wake)
            {
                return;
            }
        }

        lock (_gate)
        {
            _wake = NewSignal();
        }

        // Woken by a subscriber: tick soon, but never closer than MinTick to the last tick, so a crowd of
        // subscribers arriving together shares one poll.
        if (lastTick is { } last && _time.GetUtcNow() - last is var since && since < _options.MinTick)
        {
            try
            {
                await Task.Delay(_options.MinTick - since, _time, _stopping);
            }
            catch (OperationCanceledException)
            {
            }
        }
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
                    _metrics.Event(seen[0] == JobChange.Initial ? "initial" : "change", _caller.Region);
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
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var watch in watches)
        {
            if (watch.PendingInitial.Count == 0 && watch.Open.All(id => _known.TryGetValue(id, out var job) && JobChanges.IsUnknown(job.Status)))
            {
                // Its release (the hub's) takes it off this poller.
                watch.Complete(null, now);
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
