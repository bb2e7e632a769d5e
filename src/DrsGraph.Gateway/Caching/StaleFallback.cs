using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// Stale-on-error: when DRS is out (5xx, timeout, throttling, open circuit; <see cref="DrsError.IsOutage"/>), an expired value still within its grace period
/// (<see cref="JobCacheOptions.StaleGrace"/>) is served with <see cref="Freshness.Stale"/> set, instead of the error.
/// </summary>
internal static class StaleFallback
{
    /// <summary>The newer of two expired entries still servable at <paramref name="now"/> (memory's and Redis's).</summary>
    public static JobCacheEntry<T>? Newest<T>(JobCacheEntry<T>? known, JobCacheEntry<T>? candidate, DateTimeOffset now)
        where T : class =>
        candidate is not null && candidate.CanServeStaleAt(now) && (known is null || candidate.FetchedAt > known.FetchedAt)
            ? candidate
            : known;

    /// <summary>The stale answer to give instead of <paramref name="error"/>, if there is one to give.</summary>
    public static bool TryServe<T>(DrsError error, JobCacheEntry<T>? fallback, DateTimeOffset now, out DrsResult<Fetched<T>> answer)
        where T : class
    {
        // Only an outage gets the stale value: a 401/403, a redirect or a login page must never be papered over with data.
        if (error.IsOutage && fallback is { } stale && stale.CanServeStaleAt(now))
        {
            answer = stale.ToAnswer(stale: true);
            return true;
        }

        answer = default;
        return false;
    }
}
