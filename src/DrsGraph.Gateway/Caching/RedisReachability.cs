namespace DrsGraph.Gateway.Caching;

/// <summary>
/// Whether the Redis of <c>ConnectionStrings:Redis</c> is reachable: one Warning when it becomes unreachable, one
/// Information when it is back. Told by the cache's own connection (it drops or comes back, <see cref="RedisJobCache"/>)
/// when the cache uses Redis, else by the readiness check's PING (<c>RedisHealthCheck</c>). The line used to come from
/// the readiness check alone, so a deployment without probes (docker run, dotnet run) never heard of an outage while
/// every cache read fell back to memory and DRS.
/// </summary>
/// <remarks>
/// Each report carries when its observation began. One that began before the last change is stale and ignored:
/// a PING sent just before Redis came back, failing after the cache's connection reported it back, must not log
/// a second outage.
/// </remarks>
public sealed partial class RedisReachability(TimeProvider time, ILogger<RedisReachability> logger, Microsoft.Extensions.Options.IOptions<Health.HealthOptions>? health = null)
{
    private const int Unknown = 0;
    private const int Up = 1;
    private const int Down = 2;

    private readonly Lock _gate = new();
    private int _state = Unknown;
    private long _changedAt = long.MinValue;
    private string? _refusal;

    /// <summary>A timestamp for <see cref="ReportUp"/> and <see cref="ReportDown"/>: take it when the observation begins.</summary>
    public long Now() => time.GetTimestamp();

    /// <summary>Redis answered (or a connection to it was restored) in an observation begun at <paramref name="since"/>.</summary>
    public void ReportUp(string how, long since)
    {
        if (Change(Up, since) == Down)
        {
            LogBack(logger, how);
        }
    }

    /// <summary>
    /// Redis could not be reached, or refused the connection string's credentials (<paramref name="refusal"/>, what
    /// <see cref="RedisConnectFailure"/> made of it), in an observation begun at <paramref name="since"/>.
    /// </summary>
    public void ReportDown(string why, long since, bool refusal = false)
    {
        var previous = Change(Down, since);
        if (previous is not Down and not -1)
        {
            Volatile.Write(ref _refusal, refusal ? why : null);
            // What readiness answers meanwhile follows Gateway:Health:RedisDown: the line said "still 200" under either.
            LogDown(logger, why, health?.Value.RedisDown == Health.RedisDownReadiness.Degraded
                ? "readiness reports Degraded (200: Gateway:Health:RedisDown=Degraded keeps the replica serving)"
                : "readiness reports Unhealthy (503) while it lasts (Gateway:Health:RedisDown=Degraded keeps replicas serving)");
        }
    }

    /// <summary>While Redis is down because it refused the credentials: why, as logged; else null.</summary>
    public string? Refusal => Volatile.Read(ref _state) == Down ? Volatile.Read(ref _refusal) : null;

    /// <returns>The state before, or -1 when the report is stale or no change.</returns>
    private int Change(int state, long since)
    {
        lock (_gate)
        {
            if (since < _changedAt || _state == state)
            {
                return -1;
            }

            var previous = _state;
            _state = state;
            _changedAt = time.GetTimestamp();
            return previous;
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Redis is down: {Failure}. The cache serves from memory and DRS until Redis is back; {Readiness}.")]
    private static partial void LogDown(ILogger logger, string failure, string readiness);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Redis is back: {How}. The cache uses it again; readiness reports it Healthy.")]
    private static partial void LogBack(ILogger logger, string how);
}
