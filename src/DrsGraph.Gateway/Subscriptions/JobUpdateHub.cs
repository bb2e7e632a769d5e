using DrsGraph.Gateway.Errors;
using System.Collections.Concurrent;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Caching;
using GraphQL;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// Every open <c>jobUpdates</c> subscription of this replica, grouped by scope onto one shared
/// <see cref="ScopePoller"/> each. Enforces the per-caller limit, and completes every stream when the host
/// starts stopping (<see cref="IHostApplicationLifetime.ApplicationStopping"/>) so transports can close
/// their connections (WebSocket 1001) and clients reconnect elsewhere.
/// </summary>
public sealed class JobUpdateHub : IDisposable
{
    private readonly IScopePollSource _source;
    private readonly JobCacheKeys _keys;
    private readonly SubscriptionOptions _options;
    private readonly TimeProvider _time;
    private readonly SubscriptionMetrics _metrics;
    private readonly ILogger<JobUpdateHub> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenRegistration _onStopping;
    private readonly ConcurrentDictionary<string, ScopePoller> _pollers = new(StringComparer.Ordinal);
    private readonly Lock _callersGate = new();
    private readonly Dictionary<string, int> _watchedByCaller = new(StringComparer.Ordinal);
    private int _subscriptions;

    public JobUpdateHub(
        IScopePollSource source,
        JobCacheKeys keys,
        IOptions<SubscriptionOptions> options,
        TimeProvider time,
        SubscriptionMetrics metrics,
        IHostApplicationLifetime lifetime,
        ILogger<JobUpdateHub> logger)
    {
        _source = source;
        _keys = keys;
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _onStopping = lifetime.ApplicationStopping.Register(Stop);
        metrics.ObserveWatchedJobs(() => _pollers.Values.Sum(p => (long)p.WatchedJobs));
    }

    /// <summary>What is open now (for tests and diagnostics).</summary>
    public SubscriptionStatistics Statistics => new(
        Volatile.Read(ref _subscriptions),
        _pollers.Count,
        _pollers.Values.Sum(p => p.WatchedJobs),
        _pollers.Values.Sum(p => p.Ticks));

    /// <summary>
    /// Why a subscription of <paramref name="jobCount"/> jobs by <paramref name="caller"/> cannot start now
    /// (the host is stopping, or the caller watches too many jobs already), or null. Checked again on subscribe.
    /// </summary>
    public ExecutionError? RefusalFor(DrsCaller caller, int jobCount)
    {
        if (_stopping.IsCancellationRequested)
        {
            return ShuttingDown();
        }

        lock (_callersGate)
        {
            var watched = _watchedByCaller.GetValueOrDefault(_keys.CallerKeyOf(caller));
            return watched + jobCount > _options.MaxJobsPerCaller ? TooManyWatched(watched, jobCount) : null;
        }
    }

    /// <summary>
    /// The stream of updates of <paramref name="ids"/> (distinct, valid job IDs) for <paramref name="caller"/>.
    /// Cold: nothing is polled until it is subscribed; each subscription is one subscriber of the scope's poller.
    /// </summary>
    public IObservable<JobUpdate> Watch(DrsCaller caller, IReadOnlyList<string> ids, JobSelection selection) =>
        new Stream(this, caller, ids, selection);

    public void Dispose()
    {
        _onStopping.Dispose();
        // Cancelled, not disposed: poller loops still finishing read its token.
        Stop();
    }

    private IDisposable Subscribe(DrsCaller caller, IReadOnlyList<string> ids, JobSelection selection, IObserver<JobUpdate> observer)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (ids.Count == 0)
        {
            // Every watched job (there is none) is terminal.
            observer.OnCompleted();
            return Unsubscribed.Instance;
        }

        var callerKey = _keys.CallerKeyOf(caller);
        lock (_callersGate)
        {
            var watched = _watchedByCaller.GetValueOrDefault(callerKey);
            var refusal = _stopping.IsCancellationRequested ? ShuttingDown()
                : watched + ids.Count > _options.MaxJobsPerCaller ? TooManyWatched(watched, ids.Count)
                : null;
            if (refusal is not null)
            {
                _metrics.Event("end");
                observer.OnNext(JobUpdate.Ending(refusal, now));
                observer.OnCompleted();
                return Unsubscribed.Instance;
            }

            _watchedByCaller[callerKey] = watched + ids.Count;
        }

        Interlocked.Increment(ref _subscriptions);
        _metrics.SubscriptionOpened();
        var scope = _keys.PollScopeOf(caller);
        ScopePoller? poller = null;
        var watch = new JobWatch(ids, selection, observer, w => Release(callerKey, poller!, w));
        while (true)
        {
            poller = _pollers.GetOrAdd(scope, _ => new ScopePoller(caller, _source, _options, _time, _metrics, _logger, ended => _pollers.TryRemove(new(scope, ended)), _stopping.Token));
            if (poller.TryAdd(watch))
            {
                return watch;
            }

            // That poller has just finished: make way for a new one.
            _pollers.TryRemove(new(scope, poller));
        }
    }

    private void Release(string callerKey, ScopePoller poller, JobWatch watch)
    {
        poller.Remove(watch);
        Interlocked.Decrement(ref _subscriptions);
        _metrics.SubscriptionClosed();
        lock (_callersGate)
        {
            var left = _watchedByCaller.GetValueOrDefault(callerKey) - watch.Ids.Count;
            if (left > 0)
            {
                _watchedByCaller[callerKey] = left;
            }
            else
            {
                _watchedByCaller.Remove(callerKey);
            }
        }
    }

    private void Stop()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var open = Volatile.Read(ref _subscriptions);
        SubscriptionLog.Stopping(_logger, open);
        _stopping.Cancel();
        foreach (var poller in _pollers.Values)
        {
            poller.CompleteAll();
        }
    }

    private static ExecutionError ShuttingDown() =>
        GatewayErrors.Create(GatewayErrorCodes.ShuttingDown, "This gateway replica is shutting down: subscribe again (another replica will answer).");

    private ExecutionError TooManyWatched(int watched, int asked) =>
        GatewayErrors.Create(GatewayErrorCodes.TooManyWatchedJobs, $"A caller may watch at most {_options.MaxJobsPerCaller} jobs at once (Gateway:Subscriptions:MaxJobsPerCaller); {watched} are watched and {asked} more were asked.");

    private sealed class Stream(JobUpdateHub hub, DrsCaller caller, IReadOnlyList<string> ids, JobSelection selection) : IObservable<JobUpdate>
    {
        public IDisposable Subscribe(IObserver<JobUpdate> observer) => hub.Subscribe(caller, ids, selection, observer);
    }

    private sealed class Unsubscribed : IDisposable
    {
        public static readonly Unsubscribed Instance = new();

        public void Dispose()
        {
        }
    }
}

/// <summary>Open subscriptions, pollers, distinct watched jobs (summed over scopes) and polls made by the open pollers.</summary>
public sealed record SubscriptionStatistics(int Subscriptions, int Pollers, int WatchedJobs, long Ticks);
