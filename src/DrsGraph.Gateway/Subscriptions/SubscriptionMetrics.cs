using System.Diagnostics.Metrics;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// Subscription counters on the <c>DrsGraph.Subscriptions</c> meter (exported by Observability/ like the
/// cache's): how many subscriptions and shared pollers are open, what they watch, and what they cost DRS.
/// </summary>
public sealed class SubscriptionMetrics
{
    public const string MeterName = "DrsGraph.Subscriptions";

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _active;
    private readonly UpDownCounter<long> _pollers;
    private readonly Counter<long> _events;
    private readonly Counter<long> _ticks;
    private readonly Counter<long> _upstreamCalls;
    private readonly UpDownCounter<long> _leasesHeld;
    private readonly Counter<long> _leasesTaken;
    private readonly Counter<long> _published;
    private readonly Counter<long> _received;
    private readonly Counter<long> _localPolls;

    public SubscriptionMetrics(IMeterFactory meterFactory)
    {
        // From the DI meter factory, so each host (and each test's gateway) has its own meter instance.
        var meter = _meter = meterFactory.Create(MeterName);
        _active = meter.CreateUpDownCounter<long>("drsgraph.subscriptions.active", "{subscription}", "Open jobUpdates subscriptions.");
        _pollers = meter.CreateUpDownCounter<long>("drsgraph.subscriptions.pollers", "{poller}", "Shared pollers, one per scope (DRS endpoint, project, token, language) with subscribers.");
        _events = meter.CreateCounter<long>("drsgraph.subscriptions.events", "{event}", "Events handed to subscribers (tag: kind = initial|change|end).");
        _ticks = meter.CreateCounter<long>("drsgraph.subscriptions.poll.ticks", "{tick}", "Polls made by the shared pollers.");
        _upstreamCalls = meter.CreateCounter<long>("drsgraph.subscriptions.poll.upstream_calls", "{call}", "Batch calls the polls asked for, 100 jobs each at most (tag: endpoint = status|progress|detail); the cache may join some to other requests' fetches.");
        _leasesHeld = meter.CreateUpDownCounter<long>("drsgraph.subscriptions.shared.leases_held", "{lease}", "Scopes this replica polls for every replica (Redis leases held).");
        _leasesTaken = meter.CreateCounter<long>("drsgraph.subscriptions.shared.takeovers", "{lease}", "Leases this replica took (a scope's first poller, or taking over from a replica that stopped or died).");
        _published = meter.CreateCounter<long>("drsgraph.subscriptions.shared.published", "{observation}", "Poll observations published to the other replicas.");
        _received = meter.CreateCounter<long>("drsgraph.subscriptions.shared.received", "{observation}", "Poll observations received from the replica holding a scope's lease.");
        _localPolls = meter.CreateCounter<long>("drsgraph.subscriptions.shared.local_polls", "{poll}", "Polls made for this replica's subscribers alone because Redis could not be used.");
    }

    public void LeaseAcquired()
    {
        _leasesHeld.Add(1);
        _leasesTaken.Add(1);
    }

    public void LeaseLost() => _leasesHeld.Add(-1);

    public void Published() => _published.Add(1);

    public void Received() => _received.Add(1);

    public void LocalPoll() => _localPolls.Add(1);

    /// <summary>Publishes the number of distinct jobs the pollers watch, read when metrics are collected.</summary>
    public void ObserveWatchedJobs(Func<long> watchedJobs) =>
        _meter.CreateObservableGauge("drsgraph.subscriptions.watched_jobs", watchedJobs, "{job}", "Distinct jobs the shared pollers watch, summed over scopes.");

    public void SubscriptionOpened() => _active.Add(1);

    public void SubscriptionClosed() => _active.Add(-1);

    public void PollerStarted() => _pollers.Add(1);

    public void PollerStopped() => _pollers.Add(-1);

    public void Event(string kind) => _events.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Tick() => _ticks.Add(1);

    public void UpstreamCalls(string endpoint, int count)
    {
        if (count > 0)
        {
            _upstreamCalls.Add(count, new KeyValuePair<string, object?>("endpoint", endpoint));
        }
    }
}
