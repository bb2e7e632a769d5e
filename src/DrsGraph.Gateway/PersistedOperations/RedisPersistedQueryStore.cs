using DrsGraph.Gateway.Caching;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>
/// The shared level of the automatic persisted queries: one Redis key per hash, so a document registered on one
/// replica is found by all of them (a client's retry with the text may land anywhere). Redis trouble is a miss
/// (the client sends the text again), never a failed request.
/// </summary>
public sealed partial class RedisPersistedQueryStore(
    string connectionString,
    IOptions<PersistedOperationsOptions> options,
    IOptions<JobCacheOptions> cacheOptions,
    ILogger<RedisPersistedQueryStore> logger) : IAsyncDisposable
{
    // Gateway:Cache:KeyPrefix is the prefix of every Redis key, so deployments sharing a Redis keep their documents apart.
    private readonly string _keyPrefix = cacheOptions.Value.KeyPrefix + ":apq:";

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _connection;

    // 1 while Redis is failing: an outage is logged once, at its first failure, not once per persisted-query request
    // (every request of an outage timed out and logged its own Warning). The readiness check reports the outage itself.
    private int _failing;

    public async Task<string?> GetAsync(string hash, CancellationToken cancellationToken)
    {
        try
        {
            var database = await DatabaseAsync(cancellationToken);
            var value = await database.StringGetAsync(_keyPrefix + hash.ToLowerInvariant()).WaitAsync(options.Value.RedisTimeout, cancellationToken);
            Succeeded();
            return value.IsNull ? null : value.ToString();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Failed("read", ex.Message);
            return null;
        }
    }

    public async Task SetAsync(string hash, string document, CancellationToken cancellationToken)
    {
        try
        {
            var database = await DatabaseAsync(cancellationToken);
            await database.StringSetAsync(_keyPrefix + hash.ToLowerInvariant(), document, options.Value.RedisTtl).WaitAsync(options.Value.RedisTimeout, cancellationToken);
            Succeeded();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Failed("write", ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.DisposeAsync();
        }

        _connecting.Dispose();
    }

    private async Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } ready)
        {
            return ready.GetDatabase();
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_connection is null)
            {
                // Reconnects by itself later; the first request waits at most the connect timeout.
                var configuration = ConfigurationOptions.Parse(connectionString);
                configuration.AbortOnConnectFail = false;
                // Like the cache's connection: while Redis is down a command fails at once, instead of waiting in the
                // client's backlog for RedisTimeout (every lookup and registration of an outage paid the full 250 ms).
                configuration.BacklogPolicy = BacklogPolicy.FailFast;
                configuration.ConnectTimeout = (int)Math.Max(options.Value.RedisTimeout.TotalMilliseconds, 1000);
                _connection = await ConnectionMultiplexer.ConnectAsync(configuration);
            }

            return _connection.GetDatabase();
        }
        finally
        {
            _connecting.Release();
        }
    }

    private void Failed(string operation, string reason)
    {
        if (Interlocked.Exchange(ref _failing, 1) == 0)
        {
            LogRedisFailed(logger, operation, reason);
        }
        else
        {
            LogRedisStillFailing(logger, operation, reason);
        }
    }

    private void Succeeded()
    {
        if (Interlocked.Exchange(ref _failing, 0) == 1)
        {
            LogRedisBack(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Persisted query store: Redis {Operation} failed, going on without Redis until it answers again (further failures are logged at Debug): {Reason}")]
    private static partial void LogRedisFailed(ILogger logger, string operation, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Persisted query store: Redis {Operation} failed again: {Reason}")]
    private static partial void LogRedisStillFailing(ILogger logger, string operation, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Persisted query store: Redis answers again")]
    private static partial void LogRedisBack(ILogger logger);
}
