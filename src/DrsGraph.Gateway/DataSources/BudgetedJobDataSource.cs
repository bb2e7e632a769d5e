using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;
using DrsGraph.Gateway.Limits;

namespace DrsGraph.Gateway.DataSources;

/// <summary>
/// Wraps the shared <see cref="IJobDataSource"/> (cache, DRS) for one operation so that every fetch ends
/// when the budget it was given does: the IDs still pending then get a <see cref="DrsErrorKind.Timeout"/>
/// result, which the schema turns into per-field <c>UPSTREAM_TIMEOUT</c> errors. Cancelling the
/// execution instead would fail the whole request and throw away what already arrived.
/// </summary>
/// <remarks>
/// The budget is handed in, never looked up from the HTTP request: an operation that outlives one
/// request (a subscription) gives each of its upstream polls a budget of its own.
/// </remarks>
public sealed class BudgetedJobDataSource(IJobDataSource inner, RequestBudget budget) : IJobDataSource
{
    public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>>> GetStatusesAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        WithinBudgetAsync(jobIds, token => inner.GetStatusesAsync(caller, jobIds, token), inner is IStaleJobSource cache ? cache.HeldStatuses : null, caller, cancellationToken);

    public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>>> GetProgressAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        WithinBudgetAsync(jobIds, token => inner.GetProgressAsync(caller, jobIds, token), inner is IStaleJobSource cache ? cache.HeldProgress : null, caller, cancellationToken);

    public Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>>> GetDetailsAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        WithinBudgetAsync(jobIds, token => inner.GetDetailsAsync(caller, jobIds, token), inner is IStaleJobSource cache ? cache.HeldDetails : null, caller, cancellationToken);

    private async Task<IReadOnlyDictionary<string, DrsResult<T>>> WithinBudgetAsync<T>(
        IReadOnlyList<string> jobIds,
        Func<CancellationToken, Task<IReadOnlyDictionary<string, DrsResult<T>>>> fetch,
        Func<DrsCaller, IReadOnlyList<string>, IReadOnlyDictionary<string, DrsResult<T>>>? held,
        DrsCaller caller,
        CancellationToken cancellationToken)
        where T : class
    {
        if (budget.Expired.IsCancellationRequested)
        {
            return TimedOut(jobIds, held?.Invoke(caller, jobIds));
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Expired);
        try
        {
            // WaitAsync: the answer is due at the deadline even if a layer below is slow to honour cancellation.
            return await fetch(linked.Token).WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (budget.Expired.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // What the cache holds still answers, marked stale when past its TTL, as on any other DRS failure.
            return TimedOut(jobIds, held?.Invoke(caller, jobIds));
        }
    }

    private Dictionary<string, DrsResult<T>> TimedOut<T>(IReadOnlyList<string> jobIds, IReadOnlyDictionary<string, DrsResult<T>>? held)
        where T : class
    {
        var error = new DrsError(
            DrsErrorCodes.UpstreamTimeout,
            $"DRS did not answer within the gateway's {budget.Budget.TotalSeconds:0.###} s request budget (Gateway:RequestTimeout).",
            DrsErrorKind.Timeout);
        var results = new Dictionary<string, DrsResult<T>>(jobIds.Count, StringComparer.Ordinal);
        foreach (var id in jobIds)
        {
            results[id] = held is not null && held.TryGetValue(id, out var kept) ? kept : DrsResult<T>.Failure(error);
        }

        // Logged once for the whole request or poll, whatever else the budget cut short (RequestBudget.LogIfRanOut).
        var answered = held?.Count ?? 0;
        budget.CountRanOut(results.Count - answered, answered);
        return results;
    }
}
