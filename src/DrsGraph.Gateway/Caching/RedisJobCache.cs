using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// The Redis level: one MGET per batch to read, pipelined SETs with expiry from a bounded background
/// queue to write. Connects in the background and reconnects by itself; while Redis is unreachable
/// reads answer "unavailable" at once and writes are dropped, so requests run on memory and DRS.
/// </summary>
public sealed class RedisJobCache(
    string connectionString,
    IOptions<JobCacheOptions> options,
    JobCacheMetrics metrics,
    ILogger<RedisJobCache> logger) : BackgroundService, ISharedJobCache
{
    // Bounds one pipelined round, so a long queue drains in steps rather than one huge burst.
    private const int MaxWritesPerRound = 5000;

    private readonly TimeSpan _timeout = options.Value.RedisTimeout;

    private readonly Channel<IReadOnlyList<SharedCacheWrite>> _writes = Channel.CreateBounded<IReadOnlyList<SharedCacheWrite>>(
        new BoundedChannelOptions(options.Value.WriteQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private volatile ConnectionMultiplexer? _connection;

    public bool IsConfigured => true;

    /// <summary>True while a Redis connection is up (for health checks and tests).</summary>
    public bool IsConnected => _connection?.IsConnected == true;

    public async Task<byte[]?[]?> ReadAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var connection = _connection;
        if (keys.Count == 0 || connection is null || !connection.IsConnected)
        {
            // Known to be down: do not even wait for a timeout.
            return null;
        }

        var redisKeys = new RedisKey[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            redisKeys[i] = keys[i];
        }

        Task<RedisValue[]>? read = null;
        try
        {
            // One MGET for the whole batch.
            read = connection.GetDatabase().StringGetAsync(redisKeys);
            var values = await read.WaitAsync(_timeout, cancellationToken);
            var bytes = new byte[]?[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                bytes[i] = values[i].IsNull ? null : (byte[]?)values[i];
            }

            return bytes;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Observe(read);
            throw;
        }
        catch (Exception exception)
        {
            Observe(read);
            metrics.RedisError("read");
            JobCacheLog.RedisReadFailed(logger, keys.Count, exception);
            return null;
        }
    }

    public void Write(IReadOnlyList<SharedCacheWrite> writes)
    {
        if (writes.Count == 0)
        {
            return;
        }

        if (!IsConnected)
        {
            // Writing into a backlog that would fail anyway only costs memory.
            metrics.WritesDropped(writes.Count);
            return;
        }

        if (!_writes.Writer.TryWrite(writes))
        {
            metrics.WritesDropped(writes.Count);
            JobCacheLog.RedisWriteDropped(logger, writes.Count);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ConnectAsync(stoppingToken);
        var pending = new List<SharedCacheWrite>();
        while (await _writes.Reader.WaitToReadAsync(stoppingToken))
        {
            // Everything queued so far goes out in one pipelined round, however many requests queued it.
            pending.Clear();
            while (pending.Count < MaxWritesPerRound && _writes.Reader.TryRead(out var batch))
            {
                pending.AddRange(batch);
            }

            await WriteBatchAsync(pending, stoppingToken);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _connection?.Dispose();
        _connection = null;
    }

    private async Task ConnectAsync(CancellationToken stoppingToken)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        // Fail open: start without Redis, keep retrying in the background, never queue commands while down.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 5000);
        // Only a backstop: every wait is bounded by RedisTimeout here, whatever the client does.
        configuration.AsyncTimeout = (int)Math.Max(1000, _timeout.TotalMilliseconds * 4);
        configuration.ClientName ??= "drsgraph-gateway";

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
                connection.ConnectionFailed += (_, e) =>
                {
                    if (e.ConnectionType == ConnectionType.Interactive)
                    {
                        var endpoint = e.EndPoint?.ToString();
                        JobCacheLog.RedisConnectionLost(logger, endpoint, e.FailureType);
                    }
                };
                connection.ConnectionRestored += (_, e) =>
                {
                    if (e.ConnectionType == ConnectionType.Interactive)
                    {
                        var endpoint = e.EndPoint?.ToString();
                        JobCacheLog.RedisConnectionRestored(logger, endpoint);
                    }
                };
                _connection = connection;
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Only a configuration the client cannot use at all gets here (unreachable servers do not).
                JobCacheLog.RedisConnectFailed(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    private async Task WriteBatchAsync(List<SharedCacheWrite> batch, CancellationToken stoppingToken)
    {
        var connection = _connection;
        if (connection is null || !connection.IsConnected)
        {
            metrics.WritesDropped(batch.Count);
            return;
        }

        var database = connection.GetDatabase();
        var sets = new Task[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            // Issued without awaiting each: the multiplexer pipelines them on one connection.
            sets[i] = database.StringSetAsync(batch[i].Key, batch[i].Value, batch[i].TimeToLive, When.Always);
        }

        var all = Task.WhenAll(sets);
        try
        {
            await all.WaitAsync(_timeout * 4, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Observe(all);
        }
        catch (Exception exception)
        {
            Observe(all);
            metrics.RedisError("write");
            JobCacheLog.RedisWriteFailed(logger, batch.Count, exception);
        }
    }

    /// <summary>A command abandoned after a timeout may still fail later; observe it so nothing goes unobserved.</summary>
    private static void Observe(Task? task) =>
        task?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
