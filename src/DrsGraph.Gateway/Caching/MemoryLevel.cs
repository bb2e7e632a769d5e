using BitFaster.Caching;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using BitFaster.Caching.Scheduler;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// The shapes of the gateway's in-process caches: a concurrent W-TinyLFU of at most <c>capacity</c> values, each leaving
/// at a deadline read on the cache's clock (the job cache's memory level, the answer cache), and a queue (the job
/// cache's first-use window).
/// </summary>
internal static class MemoryLevel
{
    /// <summary>
    /// Maintenance (admission, eviction, expiry) runs on the writing thread (<see cref="ForegroundScheduler"/>): the
    /// level never holds more than its capacity for longer than one write, so it stays within its byte budget.
    /// </summary>
    public static ICache<TKey, TValue> Create<TKey, TValue>(int capacity, TimeProvider clock, Func<TValue, DateTimeOffset> leavesAt, IEqualityComparer<TKey> comparer)
        where TKey : notnull
        where TValue : class =>
        new ConcurrentLfuBuilder<TKey, TValue>()
            .WithCapacity(capacity)
            .WithConcurrencyLevel(Environment.ProcessorCount)
            .WithKeyComparer(comparer)
            .WithScheduler(new ForegroundScheduler())
            .WithExpireAfter(new UntilDeadline<TKey, TValue>(clock, leavesAt))
            .Build();

    /// <summary>
    /// A concurrent queue of at most <c>capacity</c> values by key: a new one pushes out the oldest, reading one keeps it
    /// no longer. Readers check the values' deadlines. For the job cache's first-use window.
    /// </summary>
    // An LRU whose hot part, which values leave oldest first, is almost all of it: its warm and cold parts keep the one
    // value each the library requires.
    public static ICache<TKey, TValue> CreateQueue<TKey, TValue>(int capacity, IEqualityComparer<TKey> comparer)
        where TKey : notnull
        where TValue : class =>
        new FastConcurrentLru<TKey, TValue>(Environment.ProcessorCount, new FirstInFirstOut(capacity), comparer);

    private sealed class FirstInFirstOut(int capacity) : ICapacityPartition
    {
        public int Hot { get; } = Math.Max(capacity - 2, 1);

        public int Warm => 1;

        public int Cold => 1;
    }

    /// <summary>A value leaves at its deadline; reading it does not move that.</summary>
    private sealed class UntilDeadline<TKey, TValue>(TimeProvider clock, Func<TValue, DateTimeOffset> leavesAt) : IExpiryCalculator<TKey, TValue>
        where TKey : notnull
    {
        private static readonly TimeSpan Shortest = TimeSpan.FromMilliseconds(1);

        public Duration GetExpireAfterCreate(TKey key, TValue value) => Remaining(value);

        public Duration GetExpireAfterRead(TKey key, TValue value, Duration current) => current;

        public Duration GetExpireAfterUpdate(TKey key, TValue value, Duration current) => Remaining(value);

        // The level's timer runs on the machine's clock, values on the cache's (a TimeProvider): the remaining
        // time is what the two share. Readers still check their deadlines against the cache's clock.
        private Duration Remaining(TValue value)
        {
            var left = leavesAt(value) - clock.GetUtcNow();
            return Duration.FromTimeSpan(left > Shortest ? left : Shortest);
        }
    }
}
