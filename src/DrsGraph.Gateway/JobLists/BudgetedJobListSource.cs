using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;
using DrsGraph.Gateway.Limits;

namespace DrsGraph.Gateway.JobLists;

/// <summary>
/// The list source for one operation: a list that is still waiting for DRS when the operation's
/// <see cref="RequestBudget"/> runs out answers a <see cref="DrsErrorKind.Timeout"/> error (the schema's
/// <c>UPSTREAM_TIMEOUT</c>) instead of holding the request, as <see cref="DataSources.BudgetedJobDataSource"/>
/// does for job fields. Put in front per operation by the GraphQL layer (<see cref="ForOperation"/>).
/// </summary>
public sealed class BudgetedJobListSource(IJobListSource inner, RequestBudget budget) : IJobListSource
{
    /// <summary>The list source for one operation: bounded by <paramref name="budget"/>, or <paramref name="shared"/> itself when there is none.</summary>
    public static IJobListSource ForOperation(IJobListSource shared, RequestBudget? budget) =>
        budget is null ? shared : new BudgetedJobListSource(shared, budget);

    public async Task<DrsResult<Fetched<JobListPage>>> ListAsync(DrsCaller caller, JobListFilter filter, JobListPaging paging, CancellationToken cancellationToken)
    {
        if (budget.Expired.IsCancellationRequested)
        {
            return TimedOut();
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Expired);
        try
        {
            // WaitAsync: the answer is due at the deadline even if a layer below is slow to honour cancellation.
            return await inner.ListAsync(caller, filter, paging, linked.Token).WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (budget.Expired.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return TimedOut();
        }
    }

    private DrsResult<Fetched<JobListPage>> TimedOut()
    {
        budget.CountListRanOut();
        return DrsResult<Fetched<JobListPage>>.Failure(new DrsError(
            DrsErrorCodes.UpstreamTimeout,
            $"DRS did not answer the job list within the gateway's {budget.Budget.TotalSeconds:0.###} s request budget (Gateway:RequestTimeout).",
            DrsErrorKind.Timeout));
    }
}
