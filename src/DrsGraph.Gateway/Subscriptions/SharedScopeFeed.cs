using StackExchange.Redis;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// This replica's side of one scope shared through Redis (<see cref="SharedScopeFeeds"/>): the scope's keys
/// and channel, whether this replica holds the lease, the last observation another replica published, and
/// what this replica last registered as watched. One per scope with a poller on this replica.
/// </summary>
internal sealed class SharedScopeFeed(string scope, string region)
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _signal = NewSignal();
    private long _received;
    private long _consumed;
    private ReceivedObservation? _latest;
    private bool _released;
    // UTC ticks, read by the heartbeat while a poll writes them.
    private long _renewedAt;
    private long _activeAt;

    /// <summary>The DRS region of the scope (its endpoint is part of the scope), for the metrics' <c>drs.region</c> tag.</summary>
    public string Region { get; } = region;

    /// <summary>The lease key: the holding replica's ID, with expiry.</summary>
    public RedisKey LeaseKey { get; } = scope + "sub:lease";

    /// <summary>The hash of every replica's watched jobs (<c>replica|jobId</c> to <c>flags|expiry</c>).</summary>
    public RedisKey WatchKey { get; } = scope + "sub:watch";

    /// <summary>The channel's name: what its messages are sealed for (<see cref="Caching.RedisSeal"/>).</summary>
    public string ChannelName { get; } = scope + "sub:feed";

    public RedisChannel Channel => RedisChannel.Literal(ChannelName);

    /// <summary>Pollers of this scope attached on this replica (normally one; two while one replaces another).</summary>
    public int Attached { get; set; }

    /// <summary>This replica holds the lease (as far as it knows since its last Redis round trip).</summary>
    public bool Holding { get; set; }

    /// <summary>When this replica last set or renewed the lease (while <see cref="Holding"/>; written by polls and the heartbeat).</summary>
    public DateTimeOffset RenewedAt
    {
        get => new(Volatile.Read(ref _renewedAt), TimeSpan.Zero);
        set => Volatile.Write(ref _renewedAt, value.UtcTicks);
    }

    /// <summary>When this replica's poller last began or ended a poll: the lease is kept alive only for a poller that still polls.</summary>
    public DateTimeOffset ActiveAt
    {
        get => new(Volatile.Read(ref _activeAt), TimeSpan.Zero);
        set => Volatile.Write(ref _activeAt, value.UtcTicks);
    }

    /// <summary>When this replica, following, last tried the lease.</summary>
    public DateTimeOffset TriedAt { get; set; }

    /// <summary>The channel handler, once subscribed.</summary>
    public Action<RedisChannel, RedisValue>? Handler { get; set; }

    /// <summary>What was last registered in <see cref="WatchKey"/> (field to value) and when; null: register again.</summary>
    public Dictionary<string, string>? Registered { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }

    /// <summary>When this replica began following (no lease, waiting for publications), to notice a holder that never publishes.</summary>
    public DateTimeOffset? FollowingSince { get; set; }

    public ReceivedObservation? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>
    /// Another replica published an observation: kept unless it is older than one already received, or older than
    /// <paramref name="oldest"/>. A sealed message can still be captured and published again by anyone who can publish on
    /// Redis: a replayed one must not take subscribers back to an old status, or end their streams with a past refusal.
    /// </summary>
    /// <returns>False when the message was not kept.</returns>
    public bool Receive(SharedScopeMessage message, DateTimeOffset at, DateTime oldest)
    {
        lock (_gate)
        {
            if (message.ObservedAt < oldest || (_latest is { } known && message.ObservedAt <= known.Observation.ObservedAt))
            {
                return false;
            }

            _received++;
            _latest = new ReceivedObservation(new ScopeObservation(message.ObservedAt, message.Jobs ?? [], message.Unauthorized), at);
            _signal.TrySetResult();
            return true;
        }
    }

    /// <summary>The holder released the lease: try to take it at once.</summary>
    public void ReceiveReleased()
    {
        lock (_gate)
        {
            _released = true;
            _signal.TrySetResult();
        }
    }

    /// <summary>Whether a release was announced since the last call (and forgets it).</summary>
    public bool TakeReleased()
    {
        lock (_gate)
        {
            var released = _released;
            _released = false;
            return released;
        }
    }

    /// <summary>The latest observation if this replica's poller has not had it yet (and marks it had).</summary>
    public ReceivedObservation? TakeUnconsumed()
    {
        lock (_gate)
        {
            if (_received == _consumed || _latest is null)
            {
                return null;
            }

            _consumed = _received;
            return _latest;
        }
    }

    /// <summary>Waits for a publication or a release, at most <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            if (_received != _consumed || _released)
            {
                return;
            }

            if (_signal.Task.IsCompleted)
            {
                _signal = NewSignal();
            }

            signal = _signal.Task;
        }

        try
        {
            await signal.WaitAsync(timeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>An observation another replica published, and when this replica received it.</summary>
internal sealed record ReceivedObservation(ScopeObservation Observation, DateTimeOffset ReceivedAt);
