using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.GraphQLHttp;

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
                    document.FindFragmentDefinition(spread.FragmentName.Name.Value)?.SelectionSet,
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
