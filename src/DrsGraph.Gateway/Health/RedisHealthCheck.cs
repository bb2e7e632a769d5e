using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// PINGs the Redis of <c>ConnectionStrings:Redis</c> within <see cref="HealthOptions.RedisTimeout"/>.
/// </summary>
/// <remarks>
/// Its own connection, made on the first check and kept: the cache's connection is private to it, and
/// a probe that shares it could not tell "Redis is down" from "the cache gave up on Redis". Descriptions
/// never include the connection string, which may hold a password.
/// </remarks>
public sealed class RedisHealthCheck(string connectionString, IOptions<HealthOptions> options) : IHealthCheck, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _connecting;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var timeout = options.Value.RedisTimeout;
        try
        {
            var connection = await ConnectAsync(timeout).WaitAsync(timeout, cancellationToken);
            var latency = await connection.GetDatabase().PingAsync().WaitAsync(timeout, cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered PING in {latency.TotalMilliseconds:0.#} ms.");
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or SocketException)
        {
            return new HealthCheckResult(
                context.Registration.FailureStatus,
                $"Redis did not answer PING within {timeout.TotalMilliseconds:0} ms ({exception.GetType().Name}).");
        }
    }

    private Task<ConnectionMultiplexer> ConnectAsync(TimeSpan timeout)
    {
        lock (_gate)
        {
            // A failed first attempt is forgotten; a slow one is awaited by the next probe instead of doubled.
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                var configuration = ConfigurationOptions.Parse(connectionString);
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
}
