using DrsGraph.Gateway.DataSources;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// The time one HTTP request may still spend waiting for DRS. Set by <see cref="RequestBudgetExtensions.UseRequestBudget"/>
/// as a request feature; the GraphQL layer hands it to each operation's loaders (<see cref="BudgetedJobDataSource"/>).
/// </summary>
public sealed class RequestBudget(TimeSpan budget, CancellationToken expired)
{
    /// <summary>The configured total (<c>Gateway:RequestTimeout</c>).</summary>
    public TimeSpan Budget { get; } = budget;

    /// <summary>Cancelled when the budget runs out. Never the request's own abort token.</summary>
    public CancellationToken Expired { get; } = expired;
}
