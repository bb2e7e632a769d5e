using System.Diagnostics.Metrics;
using System.Net.Sockets;
using DrsGraph.Gateway.Caching;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// PINGs the Redis of <c>ConnectionStrings:Redis</c> within <see cref="HealthOptions.RedisTimeout"/>. Down is
/// <see cref="HealthStatus.Degraded"/> (readiness stays 200): the cache fails open to memory and DRS, and
/// every replica shares the one Redis, so failing readiness would take the whole service out of its load
/// balancer at once. The outage shows instead in the check's body, one log line per change (not per probe)
/// and the gauge <c>drsgraph.cache.redis.up</c>.
/// </summary>
/// <remarks>
/// Its own connection, made on the first check and kept: the cache's connection is private to it, and
/// a probe that shares it could not tell "Redis is down" from "the cache gave up on Redis". Descriptions
/// never include the connection string, which may hold a password.
/// </remarks>
public sealed partial class RedisHealthCheck : IHealthCheck, IAsyncDisposable
{
    public const string UpGaugeName = "drsgraph.cache.redis.up";

    private const int Unknown = 0;
    private const int Up = 1;
    private const int Down = 2;

    private readonly string _connectionString;
    private readonly IOptions<HealthOptions> _options;
    private readonly ILogger<RedisHealthCheck> _logger;
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _connecting;
    private int _state = Unknown;

    /// <summary>The gauge reads <paramref name="cache"/>'s connection when the cache uses Redis (no probe needed), else the last probe.</summary>
    public RedisHealthCheck(string connectionString, IOptions<HealthOptions> options, IMeterFactory meters, ILogger<RedisHealthCheck> logger, RedisJobCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _connectionString = connectionString;
        _options = options;
        _logger = logger;
        meters.Create(JobCacheMetrics.MeterName).CreateObservableGauge(
            UpGaugeName,
            () => cache is not null
                ? [new Measurement<int>(cache.IsConnected ? 1 : 0)]
                : Volatile.Read(ref _state) switch { Up => [new Measurement<int>(1)], Down => [new Measurement<int>(0)], _ => Array.Empty<Measurement<int>>() },
            "{up}",
            "1 while Redis is reachable, 0 while it is down (the gateway then serves from memory and DRS). The cache's own connection when the cache uses Redis, else the last readiness probe.");
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var timeout = _options.Value.RedisTimeout;
        try
        {
            var connection = await ConnectAsync(timeout).WaitAsync(timeout, cancellationToken);
            var latency = await connection.GetDatabase().PingAsync().WaitAsync(timeout, cancellationToken);
            if (Interlocked.Exchange(ref _state, Up) == Down)
            {
                LogRedisBack(_logger);
            }

            return HealthCheckResult.Healthy($"Redis answered PING in {latency.TotalMilliseconds:0.#} ms.");
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or SocketException)
        {
            if (Interlocked.Exchange(ref _state, Down) != Down)
            {
                LogRedisDown(_logger, timeout.TotalMilliseconds, exception.GetType().Name);
            }

            return new HealthCheckResult(
                context.Registration.FailureStatus,
                $"Redis did not answer PING within {timeout.TotalMilliseconds:0} ms ({exception.GetType().Name}); the cache serves from memory and DRS until it is back.");
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
                _connecting = ConnectionMultiplexer.ConnectAsync(configuration);
            }

            return _connecting;
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

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Redis is down: no PING answer within {TimeoutMs} ms ({Failure}). Readiness reports Degraded (still 200); the cache serves from memory and DRS until Redis is back.")]
    private static partial void LogRedisDown(ILogger logger, double timeoutMs, string failure);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Redis is back: it answers PING again. Readiness reports it Healthy.")]
    private static partial void LogRedisBack(ILogger logger);
}
