using System.Collections;
using DrsGraph.Gateway.Errors;
using GraphQL.Validation;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;
using ValidationContext = GraphQL.Validation.ValidationContext;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// Refuses, before anything runs, an operation that references more jobs than allowed (an alias
/// flood like <c>a1: job(...) ... a5000: job(...)</c>, or huge <c>ids</c> lists). Runs after variables
/// are parsed, so IDs passed as variables count too. The fields that load jobs say so in their metadata
/// (<see cref="ListSizes.JobIdsArgumentKey"/>): one ID counts 1, a list its length.
/// </summary>
public sealed class JobBudgetRule(IOptions<QueryLimitOptions> options) : ValidationRuleBase
{
    public override ValueTask<INodeVisitor?> GetPostNodeVisitorAsync(ValidationContext context)
    {
        // No argument anywhere still counts: projectJobs without first/last loads its default page (101 aliases of
        // a bare projectJobs passed when nothing in the operation had an argument).
        var arguments = context.ArgumentValues ?? NoArguments;

        var references = 0;
        GraphQLField? worst = null;
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        // Fields and inline fragments left out by @skip/@include (with this request's variables), and their
        // selections, load nothing: they count nothing. A fragment's body is walked where it is defined, so one
        // spread with @skip(if: true) still counts its fragment's fields (over-counting, never under).
        var excluded = new Stack<ASTNode>();
        void Enter(ASTNode node, ValidationContext context)
        {
            if (excluded.Count > 0 || !context.ShouldIncludeNode(node))
            {
                excluded.Push(node);
            }
        }

        void Leave(ASTNode node)
        {
            if (excluded.TryPeek(out var top) && ReferenceEquals(top, node))
            {
                excluded.Pop();
            }
        }

        // The walk keeps TypeInfo, so each field is seen with its definition (fragments included).
        return new ValueTask<INodeVisitor?>(new NodeVisitors(
            new MatchingNodeVisitor<GraphQLInlineFragment>((inline, context) => Enter(inline, context), (inline, _) => Leave(inline)),
            new MatchingNodeVisitor<GraphQLField>((field, context) =>
            {
                Enter(field, context);
                if (excluded.Count > 0)
                {
                    return;
                }

                var definition = context.TypeInfo.GetFieldDef();
                // More than the field accepts is refused by the field with its own code (TOO_MANY_JOB_IDS,
                // PAGE_SIZE_EXCEEDED): count what it could load as references, so that clear error is what the
                // caller sees instead of TOO_MANY_JOB_REFERENCES.
                var most = definition?.GetMetadata<int?>(ListSizes.MaxJobIdsKey) ?? int.MaxValue;
                // A connection over a project's jobs (projectJobs) loads at most a page of them.
                if (definition?.GetMetadata<string?>(ListSizes.JobIdsArgumentKey) is null && definition?.GetMetadata<int?>(ListSizes.PageSizeKey) is { } pageSize)
                {
                    arguments.TryGetValue(field, out var paging);
                    references += Math.Min(most, Math.Max(PageArgument(paging, "first"), PageArgument(paging, "last")) is var size and > 0 ? size : pageSize);
                    worst ??= field;
                    return;
                }

                if (definition?.GetMetadata<string?>(ListSizes.JobIdsArgumentKey) is not { } argumentName
                    || !arguments.TryGetValue(field, out var values)
                    || !values.TryGetValue(argumentName, out var argument))
                {
                    return;
                }

                switch (argument.Value)
                {
                    case string one:
                        references++;
                        distinct.Add(one);
                        worst ??= field;
                        break;
                    case IEnumerable list:
                        var named = 0;
                        foreach (var item in list)
                        {
                            named++;
                            if (item is string value)
                            {
                                distinct.Add(value);
                            }
                        }

                        // Distinct IDs are counted whole: they are what DRS would be asked for.
                        references += Math.Min(named, most);

                        worst = field;
                        break;
                }
            }, (field, _) => Leave(field)),
            new MatchingNodeVisitor<GraphQLDocument>(leave: (_, context) => Report(context, references, distinct.Count, worst))));
    }

    private static readonly Dictionary<GraphQLField, IDictionary<string, GraphQL.Execution.ArgumentValue>> NoArguments = [];

    private static int PageArgument(IDictionary<string, GraphQL.Execution.ArgumentValue>? values, string name) =>
        values is not null && values.TryGetValue(name, out var value) && value.Value is int size ? size : 0;

    private void Report(ValidationContext context, int references, int distinct, GraphQLField? worst)
    {
        var limits = options.Value;
        if (references > limits.MaxJobReferences)
        {
            context.ReportError(new ValidationError(context.Document.Source, null,
                $"The operation references {references} jobs (job fields count 1, jobs fields the length of their list, across aliases); at most {limits.MaxJobReferences} are allowed.",
                worst!) { Code = GatewayErrorCodes.TooManyJobReferences });
        }
        else if (distinct > limits.MaxDistinctJobIds)
        {
            context.ReportError(new ValidationError(context.Document.Source, null,
                $"The operation asks for {distinct} distinct job IDs; at most {limits.MaxDistinctJobIds} are allowed.",
                worst!) { Code = GatewayErrorCodes.TooManyDistinctJobIds });
        }
    }
}
