using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.DataLoading;
using DrsGraph.Gateway.DataSources;
using DrsGraph.Gateway.Limits;
using DrsGraph.Gateway.Regions;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// Builds each operation's <see cref="GatewayUserContext"/> as the endpoint prepares its execution: the
/// caller, decided once from the headers, and the operation's own DataLoaders on the data-source chain,
/// bounded by the request's budget. Loaders belong to the execution, not to the caller adapter: a
/// long-lived operation (a subscription) will create loaders per poll, each with its own budget.
/// </summary>
public sealed class GatewayUserContextBuilder(ICallerResolver callers, JobDataSourceChain dataSources, DrsRegionCatalog catalog) : IGraphQLUserContextBuilder
{
    public async ValueTask<IDictionary<string, object?>> BuildUserContextAsync(HttpContext context, IHeaderDictionary callerHeaders, CancellationToken cancellationToken)
    {
        var caller = await callers.ResolveAsync(callerHeaders, cancellationToken);
        // The request's budget (UseRequestBudget) is handed down here, the last layer that sees the request. A
        // WebSocket outlives it: the budget started at the upgrade would have run out for every later operation,
        // so a socket's queries are bounded by the DRS client's own total timeout instead.
        var budget = context.WebSockets.IsWebSocketRequest ? null : context.Features.Get<RequestBudget>();
        var source = dataSources.ForOperation(budget);
        var loaders = caller.Caller is { } drsCaller
            ? new JobLoaders(source, drsCaller)
            : null;
        // A field naming another region gets loaders of its own on the same data sources and budget.
        var regions = new RegionalCallers(caller, loaders, catalog, regional => new JobLoaders(source, regional));
        return new GatewayUserContext(caller, loaders) { Budget = budget, Regions = regions };
    }

    /// <summary>
    /// A WebSocket's caller is decided once, at <c>connection_init</c>: a missing or malformed token, project or
    /// language refuses the connection (4403) rather than failing each of its operations.
    /// </summary>
    public async ValueTask<string?> RefuseConnectionAsync(HttpContext context, IHeaderDictionary callerHeaders, CancellationToken cancellationToken) =>
        (await callers.ResolveAsync(callerHeaders, cancellationToken)).Problem is { } problem ? $"{problem.Code}: {problem.Message}" : null;
}
