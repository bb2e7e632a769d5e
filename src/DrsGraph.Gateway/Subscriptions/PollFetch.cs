using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>One batch fetch of a subscription poll, counted in the poll metrics.</summary>
internal static class PollFetch
{
    /// <summary>Every ID answered: a fetch that fails as a whole (not per job) fails each of its jobs, so the stream goes on.</summary>
    public static async Task<IReadOnlyDictionary<string, DrsResult<Fetched<T>>>> FetchAsync<T>(
        SubscriptionMetrics metrics, int chunkSize, string endpoint, string region, IReadOnlyList<string> ids, Func<CancellationToken, Task<IReadOnlyDictionary<string, DrsResult<Fetched<T>>>>> fetch, CancellationToken cancellationToken)
        where T : class
    {
        var chunk = Math.Max(1, chunkSize);
        metrics.UpstreamCalls(endpoint, (ids.Count + chunk - 1) / chunk, region);
        IReadOnlyDictionary<string, DrsResult<Fetched<T>>> answers;
        try
        {
            answers = await fetch(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            answers = new Dictionary<string, DrsResult<Fetched<T>>>();
        }

        var complete = new Dictionary<string, DrsResult<Fetched<T>>>(ids.Count, StringComparer.Ordinal);
        foreach (var id in ids)
        {
            complete[id] = answers.TryGetValue(id, out var answer)
                ? answer
                : DrsResult<Fetched<T>>.Failure(new DrsError(DrsErrorCodes.UpstreamUnavailable, "The poll could not get an answer for this job from DRS.", DrsErrorKind.Unavailable));
        }

        return complete;
    }
}
