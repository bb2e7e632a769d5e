using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// The Redis level: one MGET per batch to read; to write, a bounded background queue drained in
/// pipelined rounds of SETs with expiry, each queued batch told whether it was stored. Connects in the
/// background and reconnects by itself; while Redis is unreachable reads answer "unavailable" at once
/// and writes are dropped, so requests run on memory and DRS.
/// </summary>
public sealed class RedisJobCache(
    string connectionString,
    IOptions<JobCacheOptions> options,
    JobCacheMetrics metrics,
    ILogger<RedisJobCache> logger,
    RedisReachability? reachability = null) : BackgroundService, ISharedJobCache
{
    // Bounds one pipelined round, so a long queue drains in steps rather than one huge burst.
    private const int MaxWritesPerRound = 5000;

    private readonly TimeSpan _timeout = options.Value.RedisTimeout;

    // A full Redis (maxmemory with noeviction) fails every write round, and a stuck one fills the queue: at request rate.
    // One line a second at most for each, the next saying how many it stands for.
    private readonly Observability.LineBudget _writeFailedLines = new(1);
    private readonly Observability.LineBudget _writeDroppedLines = new(1);

    private readonly Channel<QueuedWrites> _writes = Channel.CreateBounded<QueuedWrites>(
        new BoundedChannelOptions(options.Value.WriteQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private volatile ConnectionMultiplexer? _connection;

    public bool IsConfigured => true;

    /// <summary>True while a Redis connection is up (for health checks and tests).</summary>
    public bool IsConnected => _connection?.IsConnected == true;

    public async Task<byte[]?[]?> ReadAsync(RedisKey[] keys, CancellationToken cancellationToken)
    {
        var connection = _connection;
        if (keys.Length == 0 || connection is null || !connection.IsConnected)
        {
            // Known to be down: do not even wait for a timeout.
            return null;
        }

        Task<RedisValue[]>? read = null;
        try
        {
            // One MGET for the whole batch.
            read = connection.GetDatabase().StringGetAsync(keys);
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
            JobCacheLog.RedisReadFailed(logger, keys.Length, exception);
            return null;
        }
    }

    public Task<bool> WriteAsync(IReadOnlyList<SharedCacheWrite> writes)
    {
        if (writes.Count == 0)
        {
            return Task.FromResult(true);
        }

        if (!IsConnected)
        {
            // Writing into a backlog that would fail anyway only costs memory.
            metrics.WritesDropped(writes.Count);
            return Task.FromResult(false);
        }

        var queued = new QueuedWrites(writes, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_writes.Writer.TryWrite(queued))
        {
            metrics.WritesDropped(writes.Count);
            if (_writeDroppedLines.TryTake(out var unlogged))
            {
                JobCacheLog.RedisWriteDropped(logger, writes.Count, unlogged);
            }
            return Task.FromResult(false);
        }

        return queued.Stored.Task;
    }

    public async Task ForgetAsync(RedisKey[] keys)
    {
        var connection = _connection;
        if (keys.Length == 0 || connection is not { IsConnected: true })
        {
            return;
        }

        try
        {
            await connection.GetDatabase().KeyDeleteAsync(keys).WaitAsync(_timeout);
        }
        catch (Exception exception)
        {
            // The entries lapse at their stale limit; meanwhile only an outage lets them answer, and only this token.
            metrics.RedisError("delete");
            JobCacheLog.RedisDeleteFailed(logger, keys.Length, Observability.CallerText.Excerpt($"{exception.GetType().Name}: {exception.Message}", 300));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var round = new List<QueuedWrites>();
        try
        {
            await ConnectAsync(stoppingToken);
            while (await _writes.Reader.WaitToReadAsync(stoppingToken))
            {
                // Everything queued so far goes out in one pipelined round, however many requests queued it.
                round.Clear();
                var entries = 0;
                while (entries < MaxWritesPerRound && _writes.Reader.TryRead(out var queued))
                {
                    round.Add(queued);
                    entries += queued.Writes.Count;
                }

                await WriteRoundAsync(round, entries, stoppingToken);
            }
        }
        finally
        {
            // Stopping: nobody waits for a write forever.
            _writes.Writer.TryComplete();
            foreach (var queued in round)
            {
                queued.Stored.TrySetResult(false);
            }

            while (_writes.Reader.TryRead(out var queued))
            {
                queued.Stored.TrySetResult(false);
            }
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
                // The connect log tells a refused password from an unreachable server (RedisConnectFailure). Not disposed:
                // nothing to free, and a write the client might make after connecting must not throw.
                var connectLog = new StringWriter(CultureInfo.InvariantCulture);
                var connection = await ConnectionMultiplexer.ConnectAsync(configuration, connectLog);
                // Its drops and returns are told to RedisReachability, which logs each change once whether or not
                // readiness probes run, and whichever of this connection and the readiness check noticed it first.
                if (reachability is { } reachable)
                {
                    connection.ConnectionFailed += (_, failed) =>
                        ReportDown(reachable, RedisConnectFailure.Describe($"{failed.FailureType} {failed.Exception}"), $"the cache's connection failed ({failed.FailureType})");
                    connection.ConnectionRestored += (_, _) =>
                        reachable.ReportUp("the cache's connection was restored", reachable.Now());
                    if (!connection.IsConnected)
                    {
                        ReportDown(reachable, RedisConnectFailure.Describe(connectLog.ToString()), "the cache could not connect to it" + RedisConnectFailure.TlsHint(connectionString));
                    }
                }

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

    private static void ReportDown(RedisReachability reachable, string? refusal, string otherwise) =>
        reachable.ReportDown(refusal ?? otherwise, reachable.Now(), refusal is not null);

    /// <summary>Writes a round, pipelined, and tells each batch in it whether it was stored.</summary>
    private async Task WriteRoundAsync(List<QueuedWrites> round, int entries, CancellationToken stoppingToken)
    {
        var stored = await WriteAllAsync(round, entries, stoppingToken);
        foreach (var queued in round)
        {
            queued.Stored.TrySetResult(stored);
        }
    }

    private async Task<bool> WriteAllAsync(List<QueuedWrites> round, int entries, CancellationToken stoppingToken)
    {
        var connection = _connection;
        if (connection is null || !connection.IsConnected)
        {
            metrics.WritesDropped(entries);
            return false;
        }

        // A SET with expiry per entry, issued without awaiting each: the multiplexer pipelines them on one
        // connection. (One Lua script per batch instead measured no faster: Redis's cost per SET called
        // from Lua outweighs the messages saved.)
        var database = connection.GetDatabase();
        var sets = new Task[entries];
        var next = 0;
        foreach (var queued in round)
        {
            foreach (var write in queued.Writes)
            {
                sets[next++] = database.StringSetAsync(write.Key, write.Value, write.TimeToLive, When.Always);
            }
        }

        var all = Task.WhenAll(sets);
        try
        {
            await all.WaitAsync(_timeout * 4, stoppingToken);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Observe(all);
            return false;
        }
        catch (Exception exception)
        {
            Observe(all);
            metrics.RedisError("write");
            if (_writeFailedLines.TryTake(out var unlogged))
            {
                JobCacheLog.RedisWriteFailed(logger, entries, Observability.CallerText.Excerpt($"{exception.GetType().Name}: {exception.Message}", 300), unlogged);
            }
            return false;
        }
    }

    /// <summary>Entries one fetch queued, and who learns whether Redis stored them.</summary>
    private sealed record QueuedWrites(IReadOnlyList<SharedCacheWrite> Writes, TaskCompletionSource<bool> Stored);

    /// <summary>A command abandoned after a timeout may still fail later; observe it so nothing goes unobserved.</summary>
    private static void Observe(Task? task) =>
        task?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
