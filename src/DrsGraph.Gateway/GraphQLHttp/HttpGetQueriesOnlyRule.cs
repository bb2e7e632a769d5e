using GraphQL.Validation;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// GET must be safe: only queries run over GET. Being a validation rule, it sees the operation that
/// would actually run (operationName picks among several) and works with cached documents too.
/// </summary>
internal sealed class HttpGetQueriesOnlyRule : ValidationRuleBase
{
    public static readonly HttpGetQueriesOnlyRule Instance = new();

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        if (context.Operation.Operation != OperationType.Query)
        {
            var kind = context.Operation.Operation == OperationType.Mutation ? "Mutations" : "Subscriptions";
            context.ReportError(new HttpMethodNotAllowedError(context, $"{kind} are not allowed over GET; send them with POST."));
        }

        return default;
    }
}

/// <summary>Marks the validation error that the endpoint turns into 405 Method Not Allowed.</summary>
internal sealed class HttpMethodNotAllowedError(ValidationContext context, string message)
    : ValidationError(context.Document.Source, null!, message, context.Operation);
