using System.Collections.Concurrent;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// Single-flight coalescing for one cached field: concurrent requests that miss the same key share one
/// fetch. A request joins the fetch in flight for a key, or claims the key and fetches it itself.
/// </summary>
internal sealed class SingleFlight<T>
    where T : class
{
    // Cache key to the fetch in progress for it: concurrent requests of one partition share it.
    private readonly ConcurrentDictionary<JobKey, TaskCompletionSource<DrsResult<Fetched<T>>>> _inFlight = new();
    private readonly Lock _claiming = new();

    /// <summary>Keys claimed by fetches in flight (counting locks the map: for tests and diagnostics).</summary>
    public int Count => _inFlight.Count;

    /// <summary>
    /// Joins the fetch in flight for each miss, or claims its key. Returns the claims (the caller must
    /// fetch them, then <see cref="Release"/> them) and what to wait for, in the order of the misses.
    /// </summary>
    public (List<Claim<T>>? Owned, List<Wait<T>> Waits, int Joined) ClaimOrJoin(List<(string Id, JobKey Key, JobCacheEntry<T>? Stale)> misses)
    {
        List<Claim<T>>? owned = null;
        var waits = new List<Wait<T>>(misses.Count);
        var joined = 0;

        // One batch claims its keys at a time: two batches for the same IDs arriving together would
        // otherwise interleave, each claiming some keys and joining the rest, and ask DRS twice.
        // (A fetch finishing meanwhile is caught by the owner's second look at memory.)
        lock (_claiming)
        {
            foreach (var (id, key, stale) in misses)
            {
                while (true)
                {
                    if (_inFlight.TryGetValue(key, out var inFlight))
                    {
                        waits.Add(new Wait<T>(id, key, inFlight.Task, Joined: true));
                        joined++;
                        break;
                    }

                    var completion = new TaskCompletionSource<DrsResult<Fetched<T>>>(TaskCreationOptions.RunContinuationsAsynchronously);
                    if (_inFlight.TryAdd(key, completion))
                    {
                        (owned ??= new(misses.Count)).Add(new Claim<T>(id, key, completion, stale));
                        waits.Add(new Wait<T>(id, key, completion.Task, Joined: false));
                        break;
                    }
                }
            }
        }

        return (owned, waits, joined);
    }

    /// <summary>
    /// Unclaims keys: when their fetch has stored its answers, or when the request that owns it gave up
    /// (its budget ran out, or it was cancelled), so the next request for them starts a fetch of its own
    /// instead of joining one that may hang until the DRS client's own timeouts end it (a stalled body
    /// once kept a job's key claimed for 400 s). Whoever already joined still gets the fetch's answer.
    /// </summary>
    public void Release(IEnumerable<Claim<T>> claims)
    {
        foreach (var claim in claims)
        {
            _inFlight.TryRemove(new KeyValuePair<JobKey, TaskCompletionSource<DrsResult<Fetched<T>>>>(claim.Key, claim.Completion));
        }
    }
}

/// <summary>A key this request claimed, and the expired value to fall back on if DRS fails.</summary>
internal sealed record Claim<T>(string Id, JobKey Key, TaskCompletionSource<DrsResult<Fetched<T>>> Completion, JobCacheEntry<T>? Stale)
    where T : class;

/// <summary>An answer a request waits for: from a fetch it owns, or one it <see cref="Joined"/>.</summary>
internal readonly record struct Wait<T>(string Id, JobKey Key, Task<DrsResult<Fetched<T>>> Answer, bool Joined)
    where T : class;
