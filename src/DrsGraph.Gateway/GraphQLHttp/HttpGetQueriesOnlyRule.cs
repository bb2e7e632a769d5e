using DrsGraph.Gateway.Errors;
using GraphQL.Validation;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// GET must be safe: only queries run over GET (and subscriptions, over an event stream). Being a validation
/// rule, it sees the operation that would actually run (operationName picks among several) and works with
/// cached documents too.
/// </summary>
internal sealed class HttpGetQueriesOnlyRule(bool allowSubscriptions) : ValidationRuleBase
{
    public static readonly HttpGetQueriesOnlyRule Instance = new(allowSubscriptions: false);

    /// <summary>For GET with <c>Accept: text/event-stream</c>, where a subscription is as safe as a query.</summary>
    public static readonly HttpGetQueriesOnlyRule EventStream = new(allowSubscriptions: true);

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        var operation = context.Operation.Operation;
        if (operation != OperationType.Query && !(allowSubscriptions && operation == OperationType.Subscription))
        {
            var kind = operation == OperationType.Mutation ? "Mutations" : "Subscriptions";
            context.ReportError(new HttpMethodNotAllowedError(context, $"{kind} are not allowed over GET; send them with POST."));
        }

        return default;
    }
}

/// <summary>Marks the validation error that the endpoint turns into 405 Method Not Allowed.</summary>
internal sealed class HttpMethodNotAllowedError(ValidationContext context, string message)
    : ValidationError(context.Document.Source, null!, message, context.Operation);

/// <summary>
/// A subscription answers a stream of results, which a plain JSON response cannot carry: over plain POST it is
/// refused up front, naming the transports that can, instead of running and answering nonsense.
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
