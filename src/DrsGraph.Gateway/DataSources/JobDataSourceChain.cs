using DrsGraph.Gateway.Limits;

namespace DrsGraph.Gateway.DataSources;

/// <summary>
/// Where the DataLoaders get jobs from, outermost first: the operation's request budget -> the job
/// cache -> DRS. Composed in <see cref="JobDataSourceChainExtensions.AddJobDataSourceChain"/> and only there.
/// </summary>
/// <remarks>
/// The cache and DRS are shared by every operation (the cache coalesces concurrent requests' fetches);
/// a budget belongs to one operation, so it is put in front per operation, by the GraphQL layer.
/// </remarks>
public sealed class JobDataSourceChain(IJobDataSource shared, IJobDataSource polling)
{
    /// <summary>The shared part of the chain: the cache in front of DRS, or DRS alone when the cache is off.</summary>
    public IJobDataSource Shared { get; } = shared;

    /// <summary>
    /// What subscription polls read: the same cache, but past freshness (every job is asked of DRS and the
    /// answer stored for queries too; the cached value is the stale fallback); DRS alone when the cache is off.
    /// </summary>
    public IJobDataSource Polling { get; } = polling;

    /// <summary>The chain for one subscription poll: a refresh bounded by the poll's own <paramref name="budget"/>.</summary>
    public IJobDataSource ForPoll(RequestBudget budget) => new BudgetedJobDataSource(Polling, budget);

    /// <summary>The chain for one operation: every fetch ends when <paramref name="budget"/> does (none: no limit).</summary>
    public IJobDataSource ForOperation(RequestBudget? budget) =>
        budget is null ? Shared : new BudgetedJobDataSource(Shared, budget);
}
