using DrsGraph.Gateway.Errors;
using GraphQL.Validation;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// GET must be safe: a mutation never runs over GET (405). Being a validation rule, it sees the operation that
/// would actually run (operationName picks among several) and works with cached documents too. A subscription
/// is safe but is no business of this rule: over an event stream it runs, over a plain GET it is refused by
/// <see cref="SubscriptionsNeedStreamRule"/> exactly as over a plain POST (it needs a stream, not another method).
/// </summary>
internal sealed class HttpGetQueriesOnlyRule : ValidationRuleBase
{
    public static readonly HttpGetQueriesOnlyRule Instance = new();

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        if (context.Operation.Operation == OperationType.Mutation)
        {
            context.ReportError(new HttpMethodNotAllowedError(context, "Mutations are not allowed over GET; send them with POST."));
        }

        return default;
    }
}

/// <summary>Marks the validation error that the endpoint turns into 405 Method Not Allowed.</summary>
internal sealed class HttpMethodNotAllowedError(ValidationContext context, string message)
    : ValidationError(context.Document.Source, null!, message, context.Operation);

/// <summary>
/// A subscription answers a stream of results, which a plain JSON response cannot carry: over plain POST or GET it
/// is refused up front, naming the transports that can, instead of running and answering nonsense.
/// </summary>
internal sealed class SubscriptionsNeedStreamRule : ValidationRuleBase
{
    public static readonly SubscriptionsNeedStreamRule Instance = new();

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        if (context.Operation.Operation == OperationType.Subscription)
        {
            context.ReportError(new ValidationError(context.Document.Source, null,
                "Subscriptions need a streaming transport: open a WebSocket to this endpoint with the 'graphql-transport-ws' subprotocol, or send the request with 'Accept: text/event-stream' (GraphQL over SSE).",
                context.Operation)
            {
                Code = GatewayErrorCodes.SubscriptionNeedsStream,
            });
        }

        return default;
    }
}
