using StackExchange.Redis;

namespace DrsGraph.Gateway.Caching;

/// <summary>One entry to write to the shared level.</summary>
public readonly record struct SharedCacheWrite(RedisKey Key, byte[] Value, TimeSpan TimeToLive);

/// <summary>
/// The level shared by replicas (Redis). Fails open: it never throws for its own failures, so a down,
/// slow or restarting store costs a request a bounded wait at most, never an error.
/// </summary>
public interface ISharedJobCache
{
    /// <summary>False when there is no shared level at all (its hits and misses are then not counted).</summary>
    bool IsConfigured { get; }

    /// <summary>
    /// Reads many keys in one round trip: the stored bytes per key (null when absent), or null
    /// altogether when the store is unavailable or too slow. Throws only for cancellation.
    /// </summary>
    Task<byte[]?[]?> ReadAsync(RedisKey[] keys, CancellationToken cancellationToken);

    /// <summary>
    /// Queues entries to store and returns at once, with a task that completes when they are stored (true)
    /// or were dropped or failed to store (false). Failures are logged and counted; the task never faults.
    /// </summary>
    Task<bool> WriteAsync(IReadOnlyList<SharedCacheWrite> writes);

    /// <summary>Deletes <paramref name="keys"/> (best effort: when the store is down they lapse by themselves). Never faults.</summary>
    Task ForgetAsync(RedisKey[] keys);
}

/// <summary>No shared level (no <c>ConnectionStrings:Redis</c>): memory only.</summary>
public sealed class NoSharedJobCache : ISharedJobCache
{
    public bool IsConfigured => false;

    public Task<byte[]?[]?> ReadAsync(RedisKey[] keys, CancellationToken cancellationToken) => Task.FromResult<byte[]?[]?>(null);

    public Task<bool> WriteAsync(IReadOnlyList<SharedCacheWrite> writes) => Task.FromResult(false);

    public Task ForgetAsync(RedisKey[] keys) => Task.CompletedTask;
}
