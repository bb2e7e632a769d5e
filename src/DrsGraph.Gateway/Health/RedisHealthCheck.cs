using System.Diagnostics.Metrics;
using System.Net.Sockets;
using DrsGraph.Gateway.Caching;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// PINGs the Redis of <c>ConnectionStrings:Redis</c> within <see cref="HealthOptions.RedisTimeout"/>. Down is
/// <see cref="HealthStatus.Unhealthy"/> (readiness 503), or <see cref="HealthStatus.Degraded"/> (200: the cache fails
/// open to memory and DRS) with <see cref="HealthOptions.RedisDown"/> = Degraded. The outage also shows in the check's
/// body, one log line per change and the gauge <c>drsgraph.cache.redis.up</c>, both following the cache's own
/// connection when the cache uses Redis (so they need no probe), else this check's PING (see <see cref="RedisReachability"/>).
/// </summary>
/// <remarks>
/// Its own connection, made on the first check and kept: the cache's connection is private to it, and
/// a probe that shares it could not tell "Redis is down" from "the cache gave up on Redis". Descriptions
/// never include the connection string, which may hold a password.
/// </remarks>
public sealed class RedisHealthCheck : IHealthCheck, IAsyncDisposable
{
    public const string UpGaugeName = "drsgraph.cache.redis.up";

    private const int Unknown = 0;
    private const int Up = 1;
    private const int Down = 2;

    private readonly string _connectionString;
    private readonly IOptions<HealthOptions> _options;
    private readonly RedisReachability? _reachability;
    private readonly RedisReachability _known;
    /// <summary>How long a check's result also answers later probes (a check under way answers those that come meanwhile).</summary>
    public static readonly TimeSpan ReuseFor = TimeSpan.FromMilliseconds(250);

    // Environment.TickCount64 milliseconds: this paces probing only.
    private static readonly long ReuseForMilliseconds = (long)ReuseFor.TotalMilliseconds;

    private readonly Lock _gate = new();
    private readonly Lock _reuseGate = new();
    private (Task<HealthCheckResult> Check, long StartedAt)? _recent;
    private Task<ConnectionMultiplexer>? _connecting;
    // This probe's connect log while its connection has not answered a PING: it tells a refused password (RedisConnectFailure).
    private StringWriter? _connectLog;
    private int _state = Unknown;

    /// <summary>The gauge reads <paramref name="cache"/>'s connection when the cache uses Redis (no probe needed), else the last probe.</summary>
    public RedisHealthCheck(string connectionString, IOptions<HealthOptions> options, IMeterFactory meters, RedisReachability reachability, RedisJobCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _connectionString = connectionString;
        _options = options;
        // With the cache on Redis, its connection alone says when Redis goes and comes back (as for the gauge): two
        // connections reconnecting at different moments logged an outage twice. Without it, this check's PING does.
        _reachability = cache is null ? reachability : null;
        _known = reachability;
        meters.Create(JobCacheMetrics.MeterName).CreateObservableGauge(
            UpGaugeName,
            () => cache is not null
                ? [new Measurement<int>(cache.IsConnected ? 1 : 0)]
                : Volatile.Read(ref _state) switch { Up => [new Measurement<int>(1)], Down => [new Measurement<int>(0)], _ => Array.Empty<Measurement<int>>() },
            "{up}",
            "1 while Redis is reachable, 0 while it is down (the gateway then serves from memory and DRS). The cache's own connection when the cache uses Redis, else the last readiness probe.");
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Probes are unauthenticated and every replica shares the one Redis: one PING per probe turned a client's probes
        // into as many PINGs (9 700 a second from one wrk). Probes within ReuseFor of a check, or during one, share it.
        var now = Environment.TickCount64;
        Task<HealthCheckResult> check;
        lock (_reuseGate)
        {
            if (_recent is { } recent && (!recent.Check.IsCompleted || now - recent.StartedAt < ReuseForMilliseconds))
            {
                check = recent.Check;
            }
            else
            {
                // Not bound to this probe's cancellation: other probes may wait for it (it is bounded by RedisTimeout).
                check = CheckNowAsync(_options.Value.RedisDown == RedisDownReadiness.Degraded ? HealthStatus.Degraded : HealthStatus.Unhealthy);
                _recent = (check, now);
            }
        }

        return check.WaitAsync(cancellationToken);
    }

    private async Task<HealthCheckResult> CheckNowAsync(HealthStatus failureStatus)
    {
        var timeout = _options.Value.RedisTimeout;
        var since = _reachability?.Now() ?? 0;
        try
        {
            var connection = await ConnectAsync(timeout).WaitAsync(timeout);
            var latency = await connection.GetDatabase().PingAsync().WaitAsync(timeout);
            Volatile.Write(ref _state, Up);
            Volatile.Write(ref _connectLog, null);
            _reachability?.ReportUp("it answers PING again", since);

            return HealthCheckResult.Healthy($"Redis answered PING in {latency.TotalMilliseconds:0.#} ms.");
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or SocketException)
        {
            Volatile.Write(ref _state, Down);
            // A refused password reads like an outage (the PING times out): say which it is, here and in the log line.
            var refusal = _known.Refusal ?? RefusalOfProbe();
            var hint = RedisConnectFailure.TlsHint(_connectionString);
            _reachability?.ReportDown(refusal ?? $"no PING answer within {timeout.TotalMilliseconds:0} ms ({exception.GetType().Name}){hint}", since, refusal is not null);

            return new HealthCheckResult(
                failureStatus,
                refusal is not null
                    ? $"Redis cannot be used: {refusal}; the cache serves from memory and DRS until it is fixed."
                    : $"Redis did not answer PING within {timeout.TotalMilliseconds:0} ms ({exception.GetType().Name}){hint}; the cache serves from memory and DRS until it is back.");
        }
    }

    private Task<ConnectionMultiplexer> ConnectAsync(TimeSpan timeout)
    {
        lock (_gate)
        {
            // A failed first attempt is forgotten; a slow one is awaited by the next probe instead of doubled.
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                var configuration = ConfigurationOptions.Parse(_connectionString);
                configuration.AbortOnConnectFail = false;
                configuration.ConnectTimeout = (int)timeout.TotalMilliseconds;
                configuration.ClientName = "drsgraph-health";
                var log = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
                _connectLog = log;
                _connecting = ConnectionMultiplexer.ConnectAsync(configuration, log);
            }

            return _connecting;
        }
    }

    /// <summary>What this probe's own connection attempt says, once it has ended without a connection; else null.</summary>
    private string? RefusalOfProbe()
    {
        lock (_gate)
        {
            // The log is written while connecting: read only once the attempt has ended.
            return _connecting is { IsCompletedSuccessfully: true } connecting && !connecting.Result.IsConnected && _connectLog is { } log
                ? RedisConnectFailure.Describe(log.ToString())
                : null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task<ConnectionMultiplexer>? connecting;
        lock (_gate)
        {
            connecting = _connecting;
            _connecting = null;
        }

        if (connecting is { IsCompletedSuccessfully: true })
        {
            await connecting.Result.DisposeAsync();
        }
    }
}
