using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.DataLoading;
using DrsGraph.Gateway.DataSources;
using DrsGraph.Gateway.Limits;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// Builds each operation's <see cref="GatewayUserContext"/> as the endpoint prepares its execution: the
/// caller, decided once from the headers, and the operation's own DataLoaders on the data-source chain,
/// bounded by the request's budget. Loaders belong to the execution, not to the caller adapter: a
/// long-lived operation (a subscription) will create loaders per poll, each with its own budget.
/// </summary>
public sealed class GatewayUserContextBuilder(CallerContextBuilder callers, JobDataSourceChain dataSources) : IGraphQLUserContextBuilder
{
    public ValueTask<IDictionary<string, object?>> BuildUserContextAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var caller = callers.Build(context.Request.Headers);
        // The request's budget (UseRequestBudget) is handed down here, the last layer that sees the request.
        var loaders = caller.Caller is { } drsCaller
            ? new JobLoaders(dataSources.ForOperation(context.Features.Get<RequestBudget>()), drsCaller)
            : null;
        return ValueTask.FromResult<IDictionary<string, object?>>(new GatewayUserContext(caller, loaders));
    }
}
