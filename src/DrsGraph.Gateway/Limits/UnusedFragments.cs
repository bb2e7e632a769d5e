using GraphQL;
using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// The spec's "fragments must be used" rule (5.5.1.4), checked in one pass before GraphQL.NET's validation.
/// GraphQL.NET's own rule finds the same fragments, but builds each error's line and column by scanning the
/// query text from its start, and validates every unused fragment's fields first: 500 unused fragments
/// (within <c>Gateway:Limits:MaxFragments</c>) cost ~150 ms of CPU per request. Here the errors are the same
/// (message, code, number, location), found with one walk and one line index.
/// </summary>
internal static class UnusedFragments
{
    private const string Number = "5.5.1.4";
    private const string Code = "NO_UNUSED_FRAGMENTS";

    /// <summary>
    /// The errors for every fragment no operation of <paramref name="document"/> uses (at most MaxFragments, each
    /// cheap; the caller cuts the answer to its usual number); null when all are used.
    /// </summary>
    public static ExecutionResult? Refusal(GraphQLDocument document, string query)
    {
        var definitions = new Dictionary<string, GraphQLFragmentDefinition>(StringComparer.Ordinal);
        foreach (var definition in document.Definitions)
        {
            if (definition is GraphQLFragmentDefinition fragment)
            {
                // As GraphQL.NET resolves a spread: the first definition of the name (duplicates are another rule's error).
                definitions.TryAdd(fragment.FragmentName.Name.StringValue, fragment);
            }
        }

        if (definitions.Count == 0)
        {
            return null;
        }

        var used = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<GraphQLSelectionSet>();
        foreach (var definition in document.Definitions)
        {
            if (definition is GraphQLOperationDefinition operation)
            {
                pending.Push(operation.SelectionSet);
            }
        }

        if (pending.Count == 0)
        {
            // No operation: the executer refuses the document before validation, with its own error.
            return null;
        }

        // Each fragment is walked once, whatever the number of spreads or cycles; the stack replaces recursion
        // through fragments (nesting within one selection set is bounded by the parser's depth limit).
        while (pending.TryPop(out var set))
        {
            Walk(set);
        }

        var unused = new List<GraphQLFragmentDefinition>();
        foreach (var definition in document.Definitions)
        {
            if (definition is GraphQLFragmentDefinition fragment && !used.Contains(fragment.FragmentName.Name.StringValue))
            {
                unused.Add(fragment);
            }
        }

        if (unused.Count == 0)
        {
            return null;
        }

        var lines = LineStarts(query);
        var errors = new ExecutionErrors();
        foreach (var fragment in unused)
        {
            var error = new ValidationError($"Fragment '{fragment.FragmentName.Name.StringValue}' is never used.") { Code = Code, Number = Number };
            error.AddLocation(LocationOf(lines, fragment.Location.Start));
            errors.Add(error);
        }

        return new ExecutionResult { Errors = errors };

        void Walk(GraphQLSelectionSet? set)
        {
            foreach (var selection in set?.Selections ?? [])
            {
                switch (selection)
                {
                    case GraphQLField field:
                        Walk(field.SelectionSet);
                        break;
                    case GraphQLInlineFragment inline:
                        Walk(inline.SelectionSet);
                        break;
                    case GraphQLFragmentSpread spread when used.Add(spread.FragmentName.Name.StringValue):
                        if (definitions.TryGetValue(spread.FragmentName.Name.StringValue, out var target))
                        {
                            pending.Push(target.SelectionSet);
                        }

                        break;
                }
            }
        }
    }

    /// <summary>Where each line starts: after \n, \r\n or a lone \r, as GraphQL.NET counts lines.</summary>
    private static List<int> LineStarts(string query)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < query.Length; i++)
        {
            if (query[i] == '\n' || (query[i] == '\r' && (i + 1 == query.Length || query[i + 1] != '\n')))
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    private static Location LocationOf(List<int> lineStarts, int index)
    {
        var line = lineStarts.BinarySearch(index);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return new Location(line + 1, index - lineStarts[line] + 1);
    }
}
