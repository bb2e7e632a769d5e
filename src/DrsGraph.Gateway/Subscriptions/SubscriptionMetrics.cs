using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// Subscription counters on the <c>DrsGraph.Subscriptions</c> meter (exported by Observability/ like the
/// cache's): how many subscriptions and shared pollers are open, what they watch, and what they cost DRS.
/// Each carries <c>drs.region</c> (the caller's <see cref="DrsGraph.DrsClient.DrsCaller.Region"/>, as the cache's
/// metrics do), so one region's polling shows apart from another's.
/// </summary>
public sealed class SubscriptionMetrics
{
    public const string MeterName = "DrsGraph.Subscriptions";

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

    // Distinct jobs the running pollers watch, per region: the pollers add their changes, the gauge reads them.
    private readonly ConcurrentDictionary<string, StrongBox<long>> _watchedJobs = new(StringComparer.Ordinal);

    public SubscriptionMetrics(IMeterFactory meterFactory)
    {
        // From the DI meter factory, so each host (and each test's gateway) has its own meter instance.
        var meter = meterFactory.Create(MeterName);
        _active = meter.CreateUpDownCounter<long>("drsgraph.subscriptions.active", "{subscription}", "Open subscriptions, jobUpdates and projectJobsUpdates (tag: drs.region).");
        _pollers = meter.CreateUpDownCounter<long>("drsgraph.subscriptions.pollers", "{poller}", "Shared pollers with subscribers: one per scope (DRS endpoint, project, token, language) for jobUpdates, one per scope and page for projectJobsUpdates (tag: drs.region).");
        _events = meter.CreateCounter<long>("drsgraph.subscriptions.events", "{event}", "Events handed to subscribers' execution, before those their selection does not show changed are dropped (tags: kind = initial|change|end, drs.region).");
        _ticks = meter.CreateCounter<long>("drsgraph.subscriptions.poll.ticks", "{tick}", "Polls made by the shared pollers (tag: drs.region).");
        _upstreamCalls = meter.CreateCounter<long>("drsgraph.subscriptions.poll.upstream_calls", "{call}", "Batch calls the polls asked for, 100 jobs each at most, and project lists a page watch walked (one DRS call per use type and per 100 jobs each) (tags: endpoint = status|progress|detail|list, drs.region); the caches may answer or join some.");
        _leasesHeld = meter.CreateUpDownCounter<long>("drsgraph.subscriptions.shared.leases_held", "{lease}", "Scopes this replica polls for every replica (Redis leases held; tag: drs.region).");
        _leasesTaken = meter.CreateCounter<long>("drsgraph.subscriptions.shared.takeovers", "{lease}", "Leases this replica took (a scope's first poller, or taking over from a replica that stopped or died; tag: drs.region).");
        _published = meter.CreateCounter<long>("drsgraph.subscriptions.shared.published", "{observation}", "Poll observations published to the other replicas (tag: drs.region).");
        _received = meter.CreateCounter<long>("drsgraph.subscriptions.shared.received", "{observation}", "Poll observations received from the replica holding a scope's lease (tag: drs.region).");
        _localPolls = meter.CreateCounter<long>("drsgraph.subscriptions.shared.local_polls", "{poll}", "Polls made for this replica's subscribers alone because Redis could not be used (tag: drs.region).");
        meter.CreateObservableGauge("drsgraph.subscriptions.watched_jobs", WatchedJobsPerRegion, "{job}", "Distinct jobs the shared pollers watch, summed over each region's scopes (tag: drs.region).");
    }

    // region: the DRS region of the scope or caller (drs.region), so one region's polling shows apart from another's.
    public void LeaseAcquired(string region)
    {
        var tags = Region(region);
        _leasesHeld.Add(1, tags);
        _leasesTaken.Add(1, tags);
    }

    public void LeaseLost(string region) => _leasesHeld.Add(-1, Region(region));

    public void Published(string region) => _published.Add(1, Region(region));

    public void Received(string region) => _received.Add(1, Region(region));

    public void LocalPoll(string region) => _localPolls.Add(1, Region(region));

    /// <summary>A poller of <paramref name="region"/> watches <paramref name="delta"/> more (or fewer) distinct jobs.</summary>
    public void WatchedJobsChanged(string region, long delta)
    {
        if (delta != 0)
        {
            Interlocked.Add(ref _watchedJobs.GetOrAdd(region, static _ => new StrongBox<long>()).Value, delta);
        }
    }

    public void SubscriptionOpened(string region) => _active.Add(1, Region(region));

    public void SubscriptionClosed(string region) => _active.Add(-1, Region(region));

    public void PollerStarted(string region) => _pollers.Add(1, Region(region));

    public void PollerStopped(string region) => _pollers.Add(-1, Region(region));

    public void Event(string kind, string region)
    {
        var tags = Region(region);
        tags.Add("kind", kind);
        _events.Add(1, tags);
    }

    public void Tick(string region) => _ticks.Add(1, Region(region));

    public void UpstreamCalls(string endpoint, int count, string region)
    {
        if (count > 0)
        {
            var tags = Region(region);
            tags.Add("endpoint", endpoint);
            _upstreamCalls.Add(count, tags);
        }
    }

    private static TagList Region(string region) => new() { { "drs.region", region } };

    private IEnumerable<Measurement<long>> WatchedJobsPerRegion()
    {
        // Regions seen since start stay listed: at 0 once their pollers are gone, as a gauge should read.
        foreach (var (region, count) in _watchedJobs)
        {
            yield return new Measurement<long>(Volatile.Read(ref count.Value), new KeyValuePair<string, object?>("drs.region", region));
        }
    }
}
