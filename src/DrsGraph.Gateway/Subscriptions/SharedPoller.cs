using DrsGraph.DrsClient;
using DrsGraph.Gateway.Errors;
using GraphQL;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// The loop every shared poller runs, whatever it watches: subscribers come and go, each tick polls once for
/// all of them (<see cref="TickAsync"/>). Ticks are <c>MinTick</c> apart while something changes and back off,
/// doubling, to <c>MaxTick</c> while nothing does; a new subscriber brings the next tick forward (never closer
/// than <c>MinTick</c> to the last). The loop ends when the last subscriber leaves, a tick ends it (DRS refused
/// the token, ...), or the host stops.
/// </summary>
/// <remarks>
/// The caller (with its token) lives only here, in memory: it is never logged and never part of a key.
/// </remarks>
internal abstract class SharedPoller<TWatch, TEvent>
    where TWatch : Watch<TEvent>
{
    private readonly Lock _gate = new();
    private readonly List<TWatch> _watches = [];
    private readonly Action<SharedPoller<TWatch, TEvent>> _ended;
    private TaskCompletionSource _wake = NewSignal();
    private bool _running;
    private bool _finished;
    private long _ticks;
    private int _watchedJobs;

    protected SharedPoller(DrsCaller caller, SubscriptionOptions options, TimeProvider time, SubscriptionMetrics metrics, ILogger logger, Action<SharedPoller<TWatch, TEvent>> ended, CancellationToken stopping)
    {
        Caller = caller;
        Options = options;
        Time = time;
        Metrics = metrics;
        Logger = logger;
        _ended = ended;
        Stopping = stopping;
    }

    /// <summary>What one tick did, for the loop's timing.</summary>
    protected enum TickOutcome
    {
        /// <summary>Nothing to poll: wait the longest tick.</summary>
        Idle,

        /// <summary>Polled; nothing anyone sees changed.</summary>
        Unchanged,

        /// <summary>Polled; something changed: poll again soon.</summary>
        Changed,

        /// <summary>The source itself waited for this poll (another replica made it): ask again at once.</summary>
        Paced,

        /// <summary>The host is stopping mid-poll: nothing was polled.</summary>
        Cancelled,

        /// <summary>The tick ended the poller (<see cref="Finish"/> was called).</summary>
        Ended,
    }

    /// <summary>Polls made so far (for tests and diagnostics).</summary>
    public long Ticks => Interlocked.Read(ref _ticks);

    /// <summary>Distinct jobs the last poll covered; the setter keeps the region's watched-jobs gauge.</summary>
    public int WatchedJobs
    {
        get => Volatile.Read(ref _watchedJobs);
        protected set
        {
            // Set by the loop only, so the difference is exact.
            Metrics.WatchedJobsChanged(Caller.Region, value - _watchedJobs);
            Volatile.Write(ref _watchedJobs, value);
        }
    }

    protected DrsCaller Caller { get; }

    protected SubscriptionOptions Options { get; }

    protected TimeProvider Time { get; }

    protected SubscriptionMetrics Metrics { get; }

    protected ILogger Logger { get; }

    protected CancellationToken Stopping { get; }

    /// <summary>Adds a subscriber and brings the next tick forward for its first events. False once the poller has finished: use a new one.</summary>
    public bool TryAdd(TWatch watch)
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
                Metrics.PollerStarted(Caller.Region);
                _ = Task.Run(RunAsync);
            }

            return true;
        }
    }

    /// <summary>A subscriber left; the loop ends at its next wake-up when it was the last.</summary>
    public void Remove(TWatch watch)
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

    /// <summary>One poll for <paramref name="watches"/> (open, at least one): fetch, compare, hand out events.</summary>
    protected abstract Task<TickOutcome> TickAsync(TWatch[] watches);

    /// <summary>The loop starts: what it holds until it ends (null: nothing).</summary>
    protected virtual IDisposable? Attach() => null;

    /// <summary>Completes every subscriber, after a last event carrying <paramref name="error"/> when given.</summary>
    protected void Finish(ExecutionError? error)
    {
        TWatch[] watches;
        lock (_gate)
        {
            _finished = true;
            watches = [.. _watches];
            _watches.Clear();
            _wake.TrySetResult();
        }

        var now = Time.GetUtcNow().UtcDateTime;
        foreach (var watch in watches)
        {
            if (watch.Complete(error, now) && error is not null)
            {
                Metrics.Event("end", Caller.Region);
            }
        }
    }

    /// <summary>DRS refused the scope's token: every subscriber's stream ends with <c>UNAUTHENTICATED</c>.</summary>
    protected TickOutcome EndUnauthorized(int subscribers)
    {
        SubscriptionLog.TokenRefused(Logger, Caller.ProjectId, subscribers);
        Finish(GatewayErrors.Create(GatewayErrorCodes.Unauthenticated, "DRS refused the caller's token (HTTP 401): the subscription ends. Subscribe again with a valid X-Auth-Token."));
        return TickOutcome.Ended;
    }

    private async Task RunAsync()
    {
        var delay = TimeSpan.Zero;
        DateTimeOffset? lastTick = null;
        using var attached = Attach();
        try
        {
            while (true)
            {
                await WaitForTickAsync(delay, lastTick);
                TWatch[] watches;
                lock (_gate)
                {
                    _watches.RemoveAll(w => w.IsClosed);
                    if (_finished || _watches.Count == 0 || Stopping.IsCancellationRequested)
                    {
                        _finished = true;
                    }

                    watches = [.. _watches];
                    if (_finished)
                    {
                        _watches.Clear();
                    }
                }

                if (_finished)
                {
                    // The host is stopping (or the last subscriber left): complete whoever is still here.
                    var now = Time.GetUtcNow().UtcDateTime;
                    foreach (var watch in watches)
                    {
                        watch.Complete(null, now);
                    }

                    return;
                }

                lastTick = Time.GetUtcNow();
                TickOutcome outcome;
                try
                {
                    outcome = await TickAsync(watches);
                }
                catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
                {
                    outcome = TickOutcome.Cancelled;
                }

                if (outcome is TickOutcome.Unchanged or TickOutcome.Changed or TickOutcome.Paced)
                {
                    Interlocked.Increment(ref _ticks);
                }

                switch (outcome)
                {
                    case TickOutcome.Ended:
                        return;
                    case TickOutcome.Idle:
                        delay = Options.MaxTick;
                        break;
                    case TickOutcome.Paced:
                        delay = TimeSpan.Zero;
                        break;
                    case TickOutcome.Changed:
                        Metrics.Tick(Caller.Region);
                        delay = Options.MinTick;
                        break;
                    case TickOutcome.Unchanged:
                        Metrics.Tick(Caller.Region);
                        delay = Clamp(delay + delay);
                        break;
                }
            }
        }
        catch (Exception exception)
        {
            // Never leave subscribers waiting on a dead loop.
            SubscriptionLog.PollerFailed(Logger, Caller.ProjectId, exception);
            Finish(GatewayErrors.Create(GatewayErrorCodes.UpstreamUnavailable, "The gateway stopped polling DRS for this subscription after an internal error: subscribe again."));
        }
        finally
        {
            lock (_gate)
            {
                _finished = true;
            }

            WatchedJobs = 0;
            Metrics.PollerStopped(Caller.Region);
            _ended(this);
        }
    }

    private TimeSpan Clamp(TimeSpan delay) =>
        delay < Options.MinTick ? Options.MinTick : delay > Options.MaxTick ? Options.MaxTick : delay;

    private async Task WaitForTickAsync(TimeSpan delay, DateTimeOffset? lastTick)
    {
        Task wake;
        lock (_gate)
        {
            wake = _wake.Task;
        }

        using (var timer = CancellationTokenSource.CreateLinkedTokenSource(Stopping))
        {
            var elapsed = Task.Delay(delay, Time, timer.Token);
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
        if (lastTick is { } last && Time.GetUtcNow() - last is var since && since < Options.MinTick)
        {
            try
            {
                await Task.Delay(Options.MinTick - since, Time, Stopping);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
