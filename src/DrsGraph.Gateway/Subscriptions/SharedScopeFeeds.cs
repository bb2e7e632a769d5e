using System.Globalization;
using System.Text;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Jobs;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// Shares each scope's polling among the replicas of a Redis. Per scope (the keyed hash
/// that prefixes its cache keys; never the token):
/// <list type="bullet">
/// <item>a lease (<c>SET NX PX</c>; renewed and released by scripts that check the owner) names the one replica
/// that polls DRS; it is renewed at each of its polls and, in between, every third of its duration while the
/// holder's poller still polls (so neither a long tick nor a slow DRS poll lets it lapse), and released when its
/// last subscriber leaves or it stops, with a "released" message so a follower takes over at once;</item>
/// <item>every replica registers the jobs its subscribers watch in a hash (entries expire), so the holder polls
/// the union;</item>
/// <item>the holder publishes each poll's snapshots on the scope's channel; the others hand them to their own
/// poller, which diffs them against what its subscribers last saw, so a change found by any holder (a new one
/// after a takeover too) reaches them once;</item>
/// <item>a follower that hears nothing for <see cref="SubscriptionOptions.EffectiveLeaseDuration"/> tries the
/// lease, at most every quarter of it: a dead holder's lapses one lease after its last renewal, so a takeover
/// comes within about two of the shortest ticks with the default lease, however long the holder's ticks were;</item>
/// <item>while Redis cannot be used, each replica polls for its own subscribers; sharing resumes when Redis
/// answers again.</item>
/// </list>
/// Replicas share only with the same <c>Gateway:Cache:KeySecret</c>: the scope names hash the token with it.
/// </summary>
public sealed class SharedScopeFeeds : BackgroundService, IScopePollSource
{
    // Acquire-or-renew: 2 = taken now, 1 = already ours (renewed), 0 = another replica holds it.
    private const string HoldScript = """
        local v = redis.call('GET', KEYS[1])
        if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
        if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
        return 0
        """;

    // Renews only while the lease is still ours: 1 = renewed, 0 = lost.
    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
        return 0
        """;

    // Publishes only while the lease is still ours, renewing it in the same round trip.
    private const string PublishScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          redis.call('PUBLISH', ARGV[3], ARGV[4])
          return 1
        end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('DEL', KEYS[1])
          redis.call('PUBLISH', ARGV[2], ARGV[3])
          return 1
        end
        return 0
        """;

    private readonly string _connectionString;
    // Lazy: the DRS client behind it may need the embedded emulator's address, known only once it has started,
    // and hosted services (this one) are built before any starts.
    private readonly Lazy<DrsScopePollSource> _drsSource;
    private readonly JobCacheKeys _keys;
    private readonly RedisSeal _seal;
    // Messages and registrations without our seal: at most one line a minute each (a forger could publish at any rate).
    private readonly Observability.LogThrottle _unsealedMessages = new(TimeSpan.FromMinutes(1));
    private readonly Observability.LogThrottle _unsealedRegistrations = new(TimeSpan.FromMinutes(1));
    private readonly SubscriptionOptions _options;
    private readonly TimeSpan _redisTimeout;
    private readonly TimeProvider _time;
    private readonly SubscriptionMetrics _metrics;
    private readonly ILogger<SharedScopeFeeds> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SharedScopeFeed> _feeds = new(StringComparer.Ordinal);
    private volatile ConnectionMultiplexer? _connection;
    private volatile bool _stopped;
    private int _sharing = 1;

    public SharedScopeFeeds(
        string connectionString,
        Lazy<DrsScopePollSource> drs,
        JobCacheKeys keys,
        IOptions<SubscriptionOptions> options,
        IOptions<JobCacheOptions> cacheOptions,
        TimeProvider time,
        SubscriptionMetrics metrics,
        ILogger<SharedScopeFeeds> logger)
    {
        _connectionString = connectionString;
        _drsSource = drs;
        _keys = keys;
        _seal = keys.Seal;
        _options = options.Value;
        // The same bound as the cache's Redis round trips, with room for a script and a larger payload.
        _redisTimeout = cacheOptions.Value.RedisTimeout * 4;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>This replica's name in leases and registrations (random per process).</summary>
    public string ReplicaId { get; } = Guid.NewGuid().ToString("n");

    /// <summary>Scopes whose lease this replica holds now (for tests and diagnostics).</summary>
    public int LeasesHeld
    {
        get
        {
            lock (_gate)
            {
                return _feeds.Values.Count(f => f.Holding);
            }
        }
    }

    private TimeSpan Lease => _options.EffectiveLeaseDuration;

    /// <summary>How long a watched-job registration lasts unrenewed: the holder renews its own at each tick, however long.</summary>
    private TimeSpan RegistrationLife => _options.HolderSilence + Lease;

    private DrsScopePollSource Drs => _drsSource.Value;

    public IDisposable? Attach(DrsCaller caller)
    {
        var scope = _keys.PollScopeOf(caller);
        lock (_gate)
        {
            if (!_feeds.TryGetValue(scope, out var feed))
            {
                feed = new SharedScopeFeed(scope, caller.Region);
                _feeds[scope] = feed;
            }

            feed.Attached++;
            return new Attachment(this, scope, feed);
        }
    }

    public async Task<ScopeObservation> PollAsync(ScopeDemand demand, CancellationToken cancellationToken)
    {
        SharedScopeFeed? feed;
        lock (_gate)
        {
            _feeds.TryGetValue(_keys.PollScopeOf(demand.Caller), out feed);
        }

        var connection = _connection;
        if (feed is null || _stopped)
        {
            return await PollForSelfAsync(feed, demand, cancellationToken);
        }

        if (connection is not { IsConnected: true })
        {
            // The client noticed the outage before a command failed (the usual way): logged once, as a failed command is,
            // so the "shared again" line follows when Redis answers. Not while the first connection is still being made.
            if (connection is not null && Interlocked.Exchange(ref _sharing, 0) == 1)
            {
                SubscriptionLog.SharingFailed(_logger, "not connected", null);
            }

            return await PollForSelfAsync(feed, demand, cancellationToken);
        }

        try
        {
            var observation = await PollSharedAsync(feed, connection, demand, cancellationToken);
            if (Interlocked.Exchange(ref _sharing, 1) == 0)
            {
                SubscriptionLog.SharingResumed(_logger);
            }

            return observation;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
        {
            if (Interlocked.Exchange(ref _sharing, 0) == 1)
            {
                SubscriptionLog.SharingFailed(_logger, "a command failed", exception);
            }

            return await PollForSelfAsync(feed, demand, cancellationToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // No new leases from here on; free the held ones now, so followers take over before this replica's
        // connections close (its subscribers are being completed by the hub meanwhile).
        _stopped = true;
        SharedScopeFeed[] feeds;
        lock (_gate)
        {
            feeds = [.. _feeds.Values];
        }

        await Task.WhenAll(feeds.Select(ReleaseAsync));
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        base.Dispose();
        _connection?.Dispose();
        _connection = null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var configuration = ConfigurationOptions.Parse(_connectionString);
        // Like the cache's connection: start without Redis, reconnect in the background, never queue commands while down.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 5000);
        configuration.ClientName ??= "drsgraph-subscriptions";
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _connection = await ConnectionMultiplexer.ConnectAsync(configuration);
                break;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                SubscriptionLog.SharingFailed(_logger, "could not connect", exception);
                await Task.Delay(TimeSpan.FromSeconds(5), _time, stoppingToken);
            }
        }

        // The holder's heartbeat: its leases outlive its ticks and its polls, and lapse soon after it dies.
        using var heartbeat = new PeriodicTimer(Lease / 3, _time);
        while (await heartbeat.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RenewLeasesAsync();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Never the host's end (a background service's exception stops it): the leases lapse, others take over.
                SubscriptionLog.LeaseRenewalFailed(_logger, exception);
            }
        }
    }

    /// <summary>Renews the leases held for pollers that still poll, unless a poll renewed them within a third of a lease.</summary>
    private async Task RenewLeasesAsync()
    {
        var connection = _connection;
        if (_stopped || connection is not { IsConnected: true })
        {
            return;
        }

        var now = _time.GetUtcNow();
        SharedScopeFeed[] due;
        lock (_gate)
        {
            // A poller waits at most MaxTick between polls, and a poll lasts at most PollTimeout: one silent for longer is
            // wedged, and its lease must lapse as a dead holder's would.
            due = [.. _feeds.Values.Where(f => f.Holding && now - f.RenewedAt >= Lease / 3 && now - f.ActiveAt <= _options.MaxTick + _options.PollTimeout)];
        }

        if (due.Length > 0)
        {
            var database = connection.GetDatabase();
            await Task.WhenAll(due.Select(feed => RenewAsync(feed, database, now)));
        }
    }

    private async Task RenewAsync(SharedScopeFeed feed, IDatabase database, DateTimeOffset now)
    {
        int renewed;
        try
        {
            renewed = (int)await database.ScriptEvaluateAsync(RenewScript, [feed.LeaseKey], [ReplicaId, (long)Lease.TotalMilliseconds]).WaitAsync(_redisTimeout);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
        {
            // The next poll's own round trips notice an outage (and log it once); the lease lapses meanwhile.
            return;
        }

        lock (_gate)
        {
            if (renewed == 1 && feed.Holding)
            {
                feed.RenewedAt = now;
            }
            else if (renewed == 0 && feed.Holding)
            {
                // It lapsed (this replica stalled longer than a lease) and another replica took it.
                feed.Holding = false;
                _metrics.LeaseLost(feed.Region);
            }
        }
    }

    private async Task<ScopeObservation> PollForSelfAsync(SharedScopeFeed? feed, ScopeDemand demand, CancellationToken cancellationToken)
    {
        if (feed is not null)
        {
            lock (_gate)
            {
                if (feed.Holding)
                {
                    feed.Holding = false;
                    _metrics.LeaseLost(feed.Region);
                }

                // Redis may come back empty (restarted): register again then.
                feed.Registered = null;
                feed.FollowingSince = null;
            }
        }

        _metrics.LocalPoll(demand.Caller.Region);
        return await Drs.PollAsync(demand, cancellationToken);
    }

    private async Task<ScopeObservation> PollSharedAsync(SharedScopeFeed feed, ConnectionMultiplexer connection, ScopeDemand demand, CancellationToken cancellationToken)
    {
        feed.ActiveAt = _time.GetUtcNow();
        try
        {
            return await HoldOrFollowAsync(feed, connection.GetDatabase(), connection, demand, cancellationToken);
        }
        finally
        {
            feed.ActiveAt = _time.GetUtcNow();
        }
    }

    private async Task<ScopeObservation> HoldOrFollowAsync(SharedScopeFeed feed, IDatabase database, ConnectionMultiplexer connection, ScopeDemand demand, CancellationToken cancellationToken)
    {
        await SubscribeAsync(feed, connection);
        await RegisterAsync(feed, database, demand);

        // A follower call returns within MinTick, so new subscribers of this replica are seen that soon.
        var deadline = _time.GetUtcNow() + _options.MinTick;
        while (true)
        {
            var now = _time.GetUtcNow();
            var released = feed.TakeReleased();
            var heard = feed.Latest?.ReceivedAt;
            // A follower tries a silent holder's lease at most every quarter of a lease: each try is a round trip.
            if (feed.Holding || released || ((heard is null || now - heard.Value > Lease) && now - feed.TriedAt >= Lease / 4))
            {
                feed.TriedAt = now;
                if (await TryHoldAsync(feed, database))
                {
                    var union = await UnionAsync(feed, database, demand);
                    var observation = await Drs.PollAsync(union, cancellationToken);
                    await PublishAsync(feed, database, observation);
                    return observation;
                }
            }

            feed.FollowingSince ??= now;
            var latest = feed.TakeUnconsumed();
            if (latest is not null || NeedsOwnFetch(demand, feed.Latest))
            {
                return await FollowAsync(demand, latest ?? feed.Latest, cancellationToken);
            }

            var waitingSince = heard is { } h && h > feed.FollowingSince.Value ? h : feed.FollowingSince.Value;
            if (now - waitingSince > _options.HolderSilence)
            {
                // Someone holds the lease but nothing reaches this replica (its subscription to the channel is
                // broken, or the holder cannot publish): its subscribers must not starve.
                _metrics.LocalPoll(demand.Caller.Region);
                return await Drs.PollAsync(demand, cancellationToken);
            }

            var left = deadline - now;
            if (left <= TimeSpan.Zero)
            {
                // Nothing new: the same jobs as last time, and ask again at once.
                return Unchanged(demand);
            }

            await feed.WaitAsync(left, _time, cancellationToken);
        }
    }

    private async Task SubscribeAsync(SharedScopeFeed feed, ConnectionMultiplexer connection)
    {
        if (feed.Handler is not null)
        {
            return;
        }

        void Handler(RedisChannel channel, RedisValue value)
        {
            // Only what a replica sharing the secret sealed for this channel is heard (RedisSeal): anyone who can publish
            // on Redis could otherwise hand every replica's subscribers job events, or end their streams as "unauthorized".
            var bytes = (byte[]?)value ?? [];
            var length = _seal.Open(feed.ChannelName, bytes);
            if (length < 0)
            {
                if (_unsealedMessages.MayLog())
                {
                    SubscriptionLog.UnsealedMessage(_logger);
                }

                return;
            }

            if (SharedScopeMessage.TryRead(bytes.AsSpan(0, length)) is not { } message || message.From == ReplicaId)
            {
                return;
            }

            if (message.Released)
            {
                feed.ReceiveReleased();
                return;
            }

            // Older than a lease's worth of polls (and a minute of clock skew between replicas): not a live observation.
            var now = _time.GetUtcNow();
            if (feed.Receive(message, now, (now - (Lease * 2) - TimeSpan.FromMinutes(1)).UtcDateTime))
            {
                _metrics.Received(feed.Region);
            }
        }

        // The client subscribes again by itself after a reconnect.
        await connection.GetSubscriber().SubscribeAsync(feed.Channel, Handler).WaitAsync(_redisTimeout);
        feed.Handler = Handler;
    }

    /// <summary>Registers this replica's watched jobs of the scope (again when they changed or half their expiry passed).</summary>
    private async Task RegisterAsync(SharedScopeFeed feed, IDatabase database, ScopeDemand demand)
    {
        var now = _time.GetUtcNow();
        var expires = (now + RegistrationLife).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var wanted = new Dictionary<string, string>(demand.Jobs.Count, StringComparer.Ordinal);
        foreach (var job in demand.Jobs)
        {
            wanted[ReplicaId + "|" + job.Id] = (job.Progress ? "p" : "") + (job.Detail ? "d" : "") + "|";
        }

        var watchKey = (string)feed.WatchKey!;

        var previous = feed.Registered;
        if (previous is not null && now - feed.RegisteredAt < Lease && SameKeys(previous, wanted))
        {
            return;
        }

        var batch = database.CreateBatch();
        var tasks = new List<Task>();
        if (wanted.Count > 0)
        {
            // Sealed for the hash and the field: a registration written by anyone else would have the holder poll DRS, with
            // the scope's token, for jobs no subscriber asked for.
            tasks.Add(batch.HashSetAsync(feed.WatchKey, [.. wanted.Select(w => new HashEntry(w.Key, _seal.Seal(watchKey + "|" + w.Key, Encoding.UTF8.GetBytes(w.Value + expires))))]));
        }

        if (previous?.Keys.Where(k => !wanted.ContainsKey(k)).Select(k => (RedisValue)k).ToArray() is { Length: > 0 } gone)
        {
            tasks.Add(batch.HashDeleteAsync(feed.WatchKey, gone));
        }

        tasks.Add(batch.KeyExpireAsync(feed.WatchKey, RegistrationLife * 2));
        batch.Execute();
        await Task.WhenAll(tasks).WaitAsync(_redisTimeout);
        feed.Registered = wanted;
        feed.RegisteredAt = now;
    }

    private static bool SameKeys(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && value == pair.Value);

    private async Task<bool> TryHoldAsync(SharedScopeFeed feed, IDatabase database)
    {
        var result = (int)await database.ScriptEvaluateAsync(HoldScript, [feed.LeaseKey], [ReplicaId, (long)Lease.TotalMilliseconds]).WaitAsync(_redisTimeout);
        lock (_gate)
        {
            var was = feed.Holding;
            feed.Holding = result != 0 && !_stopped;
            if (feed.Holding)
            {
                feed.RenewedAt = _time.GetUtcNow();
            }

            if (feed.Holding && !was)
            {
                _metrics.LeaseAcquired(feed.Region);
                feed.FollowingSince = null;
                SubscriptionLog.LeaseTaken(_logger, result == 2);
            }
            else if (!feed.Holding && was)
            {
                _metrics.LeaseLost(feed.Region);
            }
        }

        return feed.Holding;
    }

    /// <summary>This replica's demand plus every other replica's registered jobs that have not expired.</summary>
    private async Task<ScopeDemand> UnionAsync(SharedScopeFeed feed, IDatabase database, ScopeDemand demand)
    {
        var entries = await database.HashGetAllAsync(feed.WatchKey).WaitAsync(_redisTimeout);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var jobs = demand.Jobs.ToDictionary(j => j.Id, StringComparer.Ordinal);
        var watchKey = (string)feed.WatchKey!;
        foreach (var entry in entries)
        {
            var field = entry.Name.ToString();
            var stored = (byte[]?)entry.Value ?? [];
            var length = _seal.Open(watchKey + "|" + field, stored);
            if (length < 0)
            {
                if (_unsealedRegistrations.MayLog())
                {
                    SubscriptionLog.UnsealedRegistration(_logger);
                }

                continue;
            }

            var value = Encoding.UTF8.GetString(stored, 0, length);
            var bar = field.IndexOf('|', StringComparison.Ordinal);
            var flagsEnd = value.IndexOf('|', StringComparison.Ordinal);
            if (bar <= 0 || flagsEnd < 0 || field.AsSpan(0, bar).SequenceEqual(ReplicaId)
                || !long.TryParse(value.AsSpan(flagsEnd + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || expires < now)
            {
                continue;
            }

            var id = field[(bar + 1)..];
            var flags = value.AsSpan(0, flagsEnd);
            var progress = flags.Contains('p');
            var detail = flags.Contains('d');
            jobs[id] = jobs.TryGetValue(id, out var known)
                ? known with { Progress = known.Progress || progress, Detail = known.Detail || detail }
                : new JobDemand(id, progress, detail, Initial: false);
        }

        return demand with { Jobs = [.. jobs.Values] };
    }

    private async Task PublishAsync(SharedScopeFeed feed, IDatabase database, ScopeObservation observation)
    {
        var message = new SharedScopeMessage(ReplicaId, false, observation.ObservedAt, observation.Unauthorized, observation.Jobs as Dictionary<string, JobSnapshot> ?? new(observation.Jobs, StringComparer.Ordinal));
        var published = (int)await database.ScriptEvaluateAsync(
            PublishScript, [feed.LeaseKey], [ReplicaId, (long)Lease.TotalMilliseconds, feed.ChannelName, _seal.Seal(feed.ChannelName, message.ToUtf8())]).WaitAsync(_redisTimeout);
        if (published == 1)
        {
            feed.RenewedAt = _time.GetUtcNow();
            _metrics.Published(feed.Region);
            return;
        }

        // The lease lapsed during the poll (and someone else may hold it now): this poll still serves our subscribers.
        lock (_gate)
        {
            if (feed.Holding)
            {
                feed.Holding = false;
                _metrics.LeaseLost(feed.Region);
            }
        }
    }

    /// <summary>True when a job of the demand needs its first event and no publication covers it: fetch it here.</summary>
    private static bool NeedsOwnFetch(ScopeDemand demand, ReceivedObservation? latest) =>
        demand.Jobs.Any(j => (j.Initial || !demand.Previous.ContainsKey(j.Id)) && latest?.Observation.Jobs.ContainsKey(j.Id) != true);

    /// <summary>The demand's jobs as published (else as last seen); what no publication covers yet is fetched here.</summary>
    private async Task<ScopeObservation> FollowAsync(ScopeDemand demand, ReceivedObservation? latest, CancellationToken cancellationToken)
    {
        var published = latest?.Observation;
        if (published is { Unauthorized: true })
        {
            return published;
        }

        var jobs = new Dictionary<string, JobSnapshot>(demand.Jobs.Count, StringComparer.Ordinal);
        List<JobDemand>? missing = null;
        foreach (var job in demand.Jobs)
        {
            if (published?.Jobs.TryGetValue(job.Id, out var snapshot) == true)
            {
                jobs[job.Id] = snapshot;
            }
            else if (!job.Initial && demand.Previous.TryGetValue(job.Id, out var previous))
            {
                jobs[job.Id] = previous;
            }
            else
            {
                (missing ??= []).Add(job with { Initial = true });
            }
        }

        var observedAt = published?.ObservedAt ?? _time.GetUtcNow().UtcDateTime;
        if (missing is not null)
        {
            // A new subscriber here, for jobs the holder has not polled yet: its first events should not wait for
            // the holder's next tick. The holder polls them from its next tick on (they are registered).
            var own = await Drs.PollAsync(demand with { Jobs = missing }, cancellationToken);
            if (own.Unauthorized)
            {
                return own;
            }

            foreach (var (id, snapshot) in own.Jobs)
            {
                jobs[id] = snapshot;
            }

            observedAt = own.ObservedAt;
        }

        return new ScopeObservation(observedAt, jobs, Unauthorized: false, Paced: true);
    }

    private ScopeObservation Unchanged(ScopeDemand demand)
    {
        var jobs = new Dictionary<string, JobSnapshot>(demand.Jobs.Count, StringComparer.Ordinal);
        foreach (var job in demand.Jobs)
        {
            if (demand.Previous.TryGetValue(job.Id, out var previous))
            {
                jobs[job.Id] = previous;
            }
        }

        return new ScopeObservation(_time.GetUtcNow().UtcDateTime, jobs, Unauthorized: false, Paced: true);
    }

    private void Detach(string scope, SharedScopeFeed feed)
    {
        lock (_gate)
        {
            if (--feed.Attached > 0)
            {
                return;
            }

            _feeds.Remove(scope);
        }

        _ = ForgetAsync(feed);
    }

    /// <summary>The last poller of the scope on this replica ended: free the lease, the registrations and the channel.</summary>
    private async Task ForgetAsync(SharedScopeFeed feed)
    {
        await ReleaseAsync(feed);
        var connection = _connection;
        if (connection is not { IsConnected: true })
        {
            return;
        }

        try
        {
            if (feed.Registered is { Count: > 0 } registered)
            {
                await connection.GetDatabase().HashDeleteAsync(feed.WatchKey, [.. registered.Keys.Select(k => (RedisValue)k)]).WaitAsync(_redisTimeout);
            }

            if (feed.Handler is { } handler)
            {
                await connection.GetSubscriber().UnsubscribeAsync(feed.Channel, handler).WaitAsync(_redisTimeout);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
        {
            // The registrations expire and the subscription goes with the connection.
        }
    }

    private async Task ReleaseAsync(SharedScopeFeed feed)
    {
        lock (_gate)
        {
            if (!feed.Holding)
            {
                return;
            }

            feed.Holding = false;
            _metrics.LeaseLost(feed.Region);
        }

        var connection = _connection;
        if (connection is not { IsConnected: true })
        {
            return;
        }

        try
        {
            var released = new SharedScopeMessage(ReplicaId, true, _time.GetUtcNow().UtcDateTime, false, null);
            await connection.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [feed.LeaseKey], [ReplicaId, feed.ChannelName, _seal.Seal(feed.ChannelName, released.ToUtf8())]).WaitAsync(_redisTimeout);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
        {
            // The lease lapses by itself.
        }
    }

    private sealed class Attachment(SharedScopeFeeds feeds, string scope, SharedScopeFeed feed) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feeds.Detach(scope, feed);
            }
        }
    }
}
