using DrsGraph.Gateway.Errors;
using GraphQL.Validation;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.GraphQLSchema;

/// <summary>
/// The schema has only a query root. Without this rule a mutation or subscription reaches GraphQL.NET's
/// depth analysis, which throws ("Schema is not configured for operation type"): the client got
/// "Error executing document." and the log an Error with a stack trace for a client's mistake.
/// </summary>
internal sealed class QueryRootOnlyRule : ValidationRuleBase
{
    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        var operation = context.Operation;
        var missing = operation.Operation switch
        {
            OperationType.Mutation when context.Schema.Mutation is null => "mutation",
            OperationType.Subscription when context.Schema.Subscription is null => "subscription",
            _ => null,
        };
        if (missing is not null)
        {
            context.ReportError(new ValidationError(context.Document.Source, null, $"This schema has no {missing} type; DrsGraph only answers queries.", operation)
            {
                Code = GatewayErrorCodes.OperationTypeNotSupported,
            });
        }

        return default;
    }
}
