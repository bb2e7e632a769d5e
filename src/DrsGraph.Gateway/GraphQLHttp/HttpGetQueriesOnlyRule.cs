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

/// <summary>
/// A subscription's root field may not be conditional (<c>@skip</c>, <c>@include</c>), as the GraphQL specification's
/// single root field rule now says (and graphql-js 17 checks): a skipped root field left nothing to execute, and the
/// stream completed at once without an event or an error. Fragments and inline fragments at the top level are followed.
/// </summary>
internal sealed class SubscriptionRootNotConditionalRule : ValidationRuleBase
{
    public static readonly SubscriptionRootNotConditionalRule Instance = new();

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        if (context.Operation.Operation == OperationType.Subscription
            && ConditionalIn(context.Document, context.Operation.SelectionSet, []) is { } conditional)
        {
            var name = context.Operation.Name is { } operation ? $"Subscription '{operation.StringValue}'" : "An anonymous subscription";
            context.ReportError(new ValidationError(context.Document.Source, "5.2.3.1",
                $"{name} must not use @skip or @include in its top-level selection: a subscription has exactly one root field, always executed.",
                conditional)
            {
                Code = "SINGLE_ROOT_FIELD",
            });
        }

        return default;
    }

    /// <summary>The first top-level selection (fragments followed, each once) carrying @skip or @include, if any.</summary>
    private static ASTNode? ConditionalIn(GraphQLDocument document, GraphQLSelectionSet selections, HashSet<string> followed)
    {
        foreach (var selection in selections.Selections)
        {
            if (selection is IHasDirectivesNode { Directives: { } directives }
                && directives.Items.Any(directive => directive.Name.Value == "skip" || directive.Name.Value == "include"))
            {
                return selection;
            }

            var nested = selection switch
            {
                GraphQLInlineFragment inline => inline.SelectionSet,
                GraphQLFragmentSpread spread when followed.Add(spread.FragmentName.Name.StringValue) =>
                    document.Definitions.OfType<GraphQLFragmentDefinition>().FirstOrDefault(fragment => fragment.FragmentName.Name.Value == spread.FragmentName.Name.Value)?.SelectionSet,
                _ => null,
            };
            if (nested is not null && ConditionalIn(document, nested, followed) is { } inside)
            {
                return inside;
            }
        }

        return null;
    }
}
