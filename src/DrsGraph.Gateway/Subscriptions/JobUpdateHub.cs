using DrsGraph.Gateway.Browsing;
using DrsGraph.Gateway.Errors;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Caching;
using GraphQL;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// Every open subscription of this replica: <c>jobUpdates</c> grouped by scope onto one shared
/// <see cref="ScopePoller"/> each, <c>projectJobsUpdates</c> by scope and page onto one <see cref="PagePoller"/>
/// each. Enforces the per-caller limit, and completes every stream when the host starts stopping
/// (<see cref="IHostApplicationLifetime.ApplicationStopping"/>) so transports can close their connections
/// (WebSocket 1001) and clients reconnect elsewhere.
/// </summary>
public sealed class JobUpdateHub : IDisposable
{
    // A timer's due time is limited (about 49 days): a JWT valid for longer is waited for in steps.
    private static readonly TimeSpan MaxTimerStep = TimeSpan.FromDays(1);

    private readonly IScopePollSource _source;
    private readonly JobCacheKeys _keys;
    private readonly SubscriptionOptions _options;
    private readonly TimeProvider _time;
    private readonly SubscriptionMetrics _metrics;
    private readonly ILogger<JobUpdateHub> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenRegistration _onStopping;
    private readonly ConcurrentDictionary<string, ScopePoller> _pollers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PagePoller> _pagePollers = new(StringComparer.Ordinal);
    private readonly JobPageSource _pages;
    private readonly Lock _callersGate = new();
    private readonly Dictionary<string, CallerWatches> _watchedByCaller = new(StringComparer.Ordinal);
    // Changed under _callersGate: each caller's distinct jobs summed over callers (against MaxJobsPerReplica), and the
    // open subscriptions (against MaxSubscriptionsPerReplica; read without the lock for statistics).
    private int _watchedJobs;
    private int _subscriptions;

    public JobUpdateHub(
        IScopePollSource source,
        JobPageSource pages,
        JobCacheKeys keys,
        IOptions<SubscriptionOptions> options,
        TimeProvider time,
        SubscriptionMetrics metrics,
        IHostApplicationLifetime lifetime,
        ILogger<JobUpdateHub> logger)
    {
        _source = source;
        _pages = pages;
        _keys = keys;
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _onStopping = lifetime.ApplicationStopping.Register(Stop);
    }

    /// <summary>What is open now (for tests and diagnostics).</summary>
    public SubscriptionStatistics Statistics => new(
        Volatile.Read(ref _subscriptions),
        _pollers.Count + _pagePollers.Count,
        _pollers.Values.Sum(p => p.WatchedJobs) + _pagePollers.Values.Sum(p => p.WatchedJobs),
        _pollers.Values.Sum(p => p.Ticks) + _pagePollers.Values.Sum(p => p.Ticks));

    /// <summary>
    /// Why a subscription of <paramref name="demand"/> by <paramref name="caller"/> cannot start now (the host is stopping,
    /// or the caller or the replica has too many subscriptions, jobs or pages already), or null. Checked again on subscribe.
    /// </summary>
    public ExecutionError? RefusalFor(DrsCaller caller, WatchDemand demand)
    {
        ArgumentNullException.ThrowIfNull(demand);
        lock (_callersGate)
        {
            return RefusalLocked(_watchedByCaller.GetValueOrDefault(_keys.CallerKeyOf(caller)), demand);
        }
    }

    /// <summary>
    /// The stream of updates of <paramref name="ids"/> (distinct, valid job IDs) for <paramref name="caller"/>.
    /// Cold: nothing is polled until it is subscribed; each subscription is one subscriber of the scope's poller.
    /// At <paramref name="validUntil"/> (the caller's JWT expiring, <see cref="Callers.CallerContext.ValidUntil"/>) it ends
    /// with <c>INVALID_BEARER_TOKEN</c>.
    /// </summary>
    public IObservable<JobUpdate> Watch(DrsCaller caller, IReadOnlyList<string> ids, JobSelection selection, DateTimeOffset? validUntil = null) =>
        new Stream<JobUpdate>(observer => Subscribe(caller, ids, selection, validUntil, observer));

    /// <summary>
    /// The stream of a page of <paramref name="caller"/>'s project's jobs (<c>projectJobsUpdates</c>). Cold, like
    /// <see cref="Watch"/>; the page counts as its size against the caller's limit.
    /// </summary>
    public IObservable<JobPageUpdate> WatchPage(DrsCaller caller, ProjectPage page, JobSelection selection, DateTimeOffset? validUntil = null) =>
        new Stream<JobPageUpdate>(observer => SubscribePage(caller, page, selection, validUntil, observer));

    public void Dispose()
    {
        _onStopping.Dispose();
        // Cancelled, not disposed: poller loops still finishing read its token.
        Stop();
    }

    private IDisposable Subscribe(DrsCaller caller, IReadOnlyList<string> ids, JobSelection selection, DateTimeOffset? validUntil, IObserver<JobUpdate> observer)
    {
        if (ids.Count == 0)
        {
            // Every watched job (there is none) is terminal.
            observer.OnCompleted();
            return Unsubscribed.Instance;
        }

        var scope = _keys.PollScopeOf(caller);
        return Subscribe<JobWatch, JobUpdate, ScopePoller>(caller, validUntil, WatchDemand.Jobs(ids), observer, JobUpdate.Ending, _pollers, scope,
            release => new JobWatch(ids, selection, observer, release),
            () => new ScopePoller(caller, _source, _options, _time, _metrics, _logger, ended => _pollers.TryRemove(new(scope, ended)), _stopping.Token));
    }

    private IDisposable SubscribePage(DrsCaller caller, ProjectPage page, JobSelection selection, DateTimeOffset? validUntil, IObserver<JobPageUpdate> observer)
    {
        // One poller per page of a scope: the scope (endpoint, project, token, language) and everything that defines the page.
        var key = _keys.PollScopeOf(caller) + "\n" + page.Key;
        return Subscribe<PageWatch, JobPageUpdate, PagePoller>(caller, validUntil, WatchDemand.Page(page.Request.Size), observer, JobPageUpdate.Ending, _pagePollers, key,
            release => new PageWatch(selection, observer, release),
            () => new PagePoller(caller, page, _pages, _options, _time, _metrics, _logger, ended => _pagePollers.TryRemove(new(key, ended)), _stopping.Token));
    }

    /// <summary>
    /// Counts <paramref name="demand"/> (a subscription, its jobs, a page) against the caller's and the replica's limits (or
    /// refuses with a last event), then adds a new subscriber to the poller of <paramref name="key"/>, starting one when
    /// there is none (or it has just finished).
    /// </summary>
    private IDisposable Subscribe<TWatch, TEvent, TPoller>(
        DrsCaller caller, DateTimeOffset? validUntil, WatchDemand demand, IObserver<TEvent> observer, Func<ExecutionError, DateTime, TEvent> ending,
        ConcurrentDictionary<string, TPoller> pollers, string key, Func<Action, TWatch> newWatch, Func<TPoller> newPoller)
        where TWatch : Watch<TEvent>
        where TPoller : SharedPoller<TWatch, TEvent>
    {
        var callerKey = _keys.CallerKeyOf(caller);
        lock (_callersGate)
        {
            var watched = _watchedByCaller.GetValueOrDefault(callerKey);
            if (RefusalLocked(watched, demand) is { } refusal)
            {
                _metrics.Event("end", caller.Region);
                observer.OnNext(ending(refusal, _time.GetUtcNow().UtcDateTime));
                observer.OnCompleted();
                return Unsubscribed.Instance;
            }

            if (watched is null)
            {
                watched = new CallerWatches();
                _watchedByCaller[callerKey] = watched;
            }

            _watchedJobs += watched.Add(demand);
            Interlocked.Increment(ref _subscriptions);
        }

        _metrics.SubscriptionOpened(caller.Region);
        TPoller? poller = null;
        TWatch? watch = null;
        ITimer? expiry = null;
        watch = newWatch(() =>
        {
            Volatile.Read(ref expiry)?.Dispose();
            Release(callerKey, caller.Region, demand, () => poller!.Remove(watch!));
        });
        while (true)
        {
            poller = pollers.GetOrAdd(key, _ => newPoller());
            if (poller.TryAdd(watch))
            {
                if (validUntil is { } until)
                {
                    var timer = _time.CreateTimer(_ => Expire(watch!, caller, until, Volatile.Read(ref expiry)), null, UntilExpiry(until), Timeout.InfiniteTimeSpan);
                    Volatile.Write(ref expiry, timer);
                    if (watch.IsClosed)
                    {
                        // Gone before the timer was set: its release found none to dispose.
                        timer.Dispose();
                    }
                }

                return watch;
            }

            // That poller has just finished: make way for a new one.
            pollers.TryRemove(new(key, poller));
        }
    }

    private void Release(string callerKey, string region, WatchDemand demand, Action leavePoller)
    {
        leavePoller();
        _metrics.SubscriptionClosed(region);
        lock (_callersGate)
        {
            var watched = _watchedByCaller[callerKey];
            _watchedJobs -= watched.Remove(demand);
            Interlocked.Decrement(ref _subscriptions);
            if (watched.Subscriptions == 0)
            {
                _watchedByCaller.Remove(callerKey);
            }
        }
    }

    /// <summary>
    /// The caller's JWT has expired (plus the clock skew): DRS would never notice, the gateway calls it with its own
    /// credential, so the stream ends here, with the error a query with that token gets.
    /// </summary>
    private void Expire<TEvent>(Watch<TEvent> watch, DrsCaller caller, DateTimeOffset until, ITimer? timer)
    {
        if (_time.GetUtcNow() < until)
        {
            // A far expiry is waited for in steps, and a timer may fire a little early.
            timer?.Change(UntilExpiry(until), Timeout.InfiniteTimeSpan);
            return;
        }

        var error = GatewayErrors.Create(GatewayErrorCodes.InvalidBearerToken,
            "The bearer token has expired: this subscription ended. Subscribe again with a new token (over WebSocket on a new connection: its caller is decided at connection_init).");
        if (watch.Complete(error, _time.GetUtcNow().UtcDateTime))
        {
            _metrics.Event("end", caller.Region);
            SubscriptionLog.CredentialExpired(_logger, caller.ProjectId);
        }
    }

    private TimeSpan UntilExpiry(DateTimeOffset until)
    {
        var left = until - _time.GetUtcNow();
        return left <= TimeSpan.Zero ? TimeSpan.Zero : left > MaxTimerStep ? MaxTimerStep : left;
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

        foreach (var poller in _pagePollers.Values)
        {
            poller.CompleteAll();
        }
    }

    private static ExecutionError ShuttingDown() =>
        GatewayErrors.Create(GatewayErrorCodes.ShuttingDown, "This gateway replica is shutting down: subscribe again (another replica will answer).");

    private ExecutionError? RefusalLocked(CallerWatches? watched, WatchDemand demand)
    {
        if (_stopping.IsCancellationRequested)
        {
            return ShuttingDown();
        }

        var subscriptions = watched?.Subscriptions ?? 0;
        var jobs = watched?.Jobs ?? 0;
        var added = watched?.NewJobsIn(demand) ?? demand.JobCount;
        return subscriptions + 1 > _options.MaxSubscriptionsPerCaller ? GatewayErrors.Create(GatewayErrorCodes.TooManySubscriptions,
                $"A caller may have at most {_options.MaxSubscriptionsPerCaller} subscriptions open on this replica (Gateway:Subscriptions:MaxSubscriptionsPerCaller); close one first.")
            : _subscriptions + 1 > _options.EffectiveMaxSubscriptionsPerReplica ? GatewayErrors.Create(GatewayErrorCodes.TooManySubscriptions,
                $"This gateway replica has {_subscriptions} subscriptions open for all its callers, and at most {_options.EffectiveMaxSubscriptionsPerReplica} (Gateway:Subscriptions:MaxSubscriptionsPerReplica); subscribe again later (another replica may answer).")
            // Jobs count once per caller however many of its subscriptions watch them: the cost is the poll, shared by them all.
            : jobs + added > _options.MaxJobsPerCaller ? GatewayErrors.Create(GatewayErrorCodes.TooManyWatchedJobs,
                $"A caller may watch at most {_options.MaxJobsPerCaller} distinct jobs at once (Gateway:Subscriptions:MaxJobsPerCaller); {jobs} are watched and {added} more were asked.")
            : _watchedJobs + added > _options.EffectiveMaxJobsPerReplica ? GatewayErrors.Create(GatewayErrorCodes.TooManyWatchedJobs,
                $"This gateway replica watches {_watchedJobs} jobs for all its callers, and at most {_options.EffectiveMaxJobsPerReplica} (Gateway:Subscriptions:MaxJobsPerReplica); subscribe again later (another replica may answer).")
            // Each page has a poller of its own, walking the project's list at every tick: they are counted apart.
            : demand.IsPage && (watched?.Pages ?? 0) >= _options.MaxPagesPerCaller ? GatewayErrors.Create(GatewayErrorCodes.TooManyWatchedPages,
                $"A caller may watch at most {_options.MaxPagesPerCaller} pages at once (Gateway:Subscriptions:MaxPagesPerCaller); close one first.")
            : null;
    }

    private sealed class Stream<TEvent>(Func<IObserver<TEvent>, IDisposable> subscribe) : IObservable<TEvent>
    {
        public IDisposable Subscribe(IObserver<TEvent> observer) => subscribe(observer);
    }

    private sealed class Unsubscribed : IDisposable
    {
        public static readonly Unsubscribed Instance = new();

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// What one subscription asks to watch: its distinct job IDs (<c>jobUpdates</c>), or a page of a project's jobs
/// (<c>projectJobsUpdates</c>), which counts as its size.
/// </summary>
public sealed class WatchDemand
{
    private WatchDemand(IReadOnlyList<string>? ids, int pageSize)
    {
        Ids = ids;
        PageSize = pageSize;
    }

    /// <summary>The job IDs of a <c>jobUpdates</c> (distinct); null for a page.</summary>
    public IReadOnlyList<string>? Ids { get; }

    /// <summary>The page's size; 0 for job IDs.</summary>
    public int PageSize { get; }

    public bool IsPage => Ids is null;

    /// <summary>The jobs it counts for on its own.</summary>
    public int JobCount => Ids?.Count ?? PageSize;

    public static WatchDemand Jobs(IReadOnlyList<string> ids) => new(ids ?? throw new ArgumentNullException(nameof(ids)), 0);

    /// <summary>
    /// A page counts its size, and at least one job: it walks the project's list at every tick whatever its size, so a
    /// <c>first: 0</c> page (totalCount only) counted nothing, and a client with many tokens ran list walks past
    /// <c>MaxJobsPerReplica</c>.
    /// </summary>
    public static WatchDemand Page(int size) => new(null, Math.Max(size, 1));
}

/// <summary>
/// What one caller watches on this replica (under the hub's lock): each job once however many of its subscriptions
/// watch it (a reference count per ID), each watched page as its size (pages have pollers of their own), its pages and
/// its subscriptions.
/// </summary>
internal sealed class CallerWatches
{
    private readonly Dictionary<string, int> _jobs = new(StringComparer.Ordinal);
    private int _pageJobs;

    public int Subscriptions { get; private set; }

    public int Pages { get; private set; }

    /// <summary>Distinct job IDs plus the sizes of the watched pages.</summary>
    public int Jobs => _jobs.Count + _pageJobs;

    /// <summary>How many jobs <paramref name="demand"/> would add to <see cref="Jobs"/>.</summary>
    public int NewJobsIn(WatchDemand demand)
    {
        if (demand.Ids is not { } ids)
        {
            return demand.PageSize;
        }

        var added = 0;
        foreach (var id in ids)
        {
            if (!_jobs.ContainsKey(id))
            {
                added++;
            }
        }

        return added;
    }

    /// <summary>Counts <paramref name="demand"/> in; returns how many jobs it added to <see cref="Jobs"/>.</summary>
    public int Add(WatchDemand demand)
    {
        Subscriptions++;
        if (demand.Ids is not { } ids)
        {
            Pages++;
            _pageJobs += demand.PageSize;
            return demand.PageSize;
        }

        var added = 0;
        foreach (var id in ids)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_jobs, id, out var existed);
            count++;
            if (!existed)
            {
                added++;
            }
        }

        return added;
    }

    /// <summary>Counts <paramref name="demand"/> out; returns how many jobs left <see cref="Jobs"/>.</summary>
    public int Remove(WatchDemand demand)
    {
        Subscriptions--;
        if (demand.Ids is not { } ids)
        {
            Pages--;
            _pageJobs -= demand.PageSize;
            return demand.PageSize;
        }

        var removed = 0;
        foreach (var id in ids)
        {
            if (--_jobs[id] == 0)
            {
                _jobs.Remove(id);
                removed++;
            }
        }

        return removed;
    }
}

/// <summary>Open subscriptions, pollers, distinct watched jobs (summed over scopes) and polls made by the open pollers.</summary>
public sealed record SubscriptionStatistics(int Subscriptions, int Pollers, int WatchedJobs, long Ticks);
