using GraphQLParser.AST;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// The most fields that share one response name in one merged selection set: the fields the spec's "field
/// selection merging" rule (GraphQL.NET's OverlappingFieldsCanBeMerged) compares pair by pair. Fields reached
/// through inline fragments and fragment spreads count where they land, and the selections of same-named
/// fields merge, so <c>a: job { s: status } a: job { s: phase }</c> puts two fields under <c>a.s</c>: the rule
/// compares those too (and reports one error per conflicting pair, which is how 1200 fields answered
/// 360 000 errors). Linear: one walk, a fragment expanded at most once into each merged selection set (the rule
/// does not compare a fragment with itself), and at most <c>budget</c> fields visited in all.
/// </summary>
internal static class SameNameFields
{
    /// <summary>
    /// The largest count and its response path, the pairs of same-named fields in all (what the merge check
    /// compares, and the most errors it can report); <c>OverBudget</c> when expanding fragments visited more
    /// than <paramref name="budget"/> fields.
    /// </summary>
    public static (int Most, string? Path, long Pairs, bool OverBudget) Of(GraphQLDocument document, int budget)
    {
        var fragments = new Dictionary<string, GraphQLFragmentDefinition>(StringComparer.Ordinal);
        foreach (var fragment in document.Definitions.OfType<GraphQLFragmentDefinition>())
        {
            fragments.TryAdd(fragment.FragmentName.Name.StringValue, fragment);
        }

        var inProgress = new HashSet<string>(StringComparer.Ordinal);
        var visited = 0;
        var most = 0;
        var pairs = 0L;
        Node? mostNode = null;
        foreach (var definition in document.Definitions)
        {
            // Every definition is a root of the rule, unused fragments too (validation refuses those only after comparing them).
            var set = definition switch
            {
                GraphQLOperationDefinition operation => operation.SelectionSet,
                GraphQLFragmentDefinition fragment => fragment.SelectionSet,
                _ => null,
            };
            if (set is not null && !Walk(set, new Node(null, "")))
            {
                return (most, mostNode?.Path, pairs, true);
            }
        }

        return (most, mostNode?.Path, pairs, false);

        bool Walk(GraphQLSelectionSet set, Node node)
        {
            foreach (var selection in set.Selections)
            {
                switch (selection)
                {
                    case GraphQLField field:
                        if (++visited > budget)
                        {
                            return false;
                        }

                        var name = (field.Alias?.Name ?? field.Name).StringValue;
                        var child = node.Child(name);
                        pairs += child.Count++;
                        if (child.Count > most)
                        {
                            most = child.Count;
                            mostNode = child;
                        }

                        if (field.SelectionSet is { } below && !Walk(below, child))
                        {
                            return false;
                        }

                        break;
                    case GraphQLInlineFragment inline:
                        if (!Walk(inline.SelectionSet, node))
                        {
                            return false;
                        }

                        break;
                    case GraphQLFragmentSpread spread:
                        var fragmentName = spread.FragmentName.Name.StringValue;
                        // Unknown fragments and cycles are validation's to report; a cycle would never end here.
                        if (fragments.TryGetValue(fragmentName, out var fragment) && node.Expand(fragmentName) && inProgress.Add(fragmentName))
                        {
                            var ok = Walk(fragment.SelectionSet, node);
                            inProgress.Remove(fragmentName);
                            if (!ok)
                            {
                                return false;
                            }
                        }

                        break;
                }
            }

            return true;
        }
    }

    /// <summary>One merged selection set: the response names under it and the fragments already spread into it.</summary>
    private sealed class Node(Node? parent, string name)
    {
        private Dictionary<string, Node>? _children;
        private HashSet<string>? _expanded;

        public int Count { get; set; }

        public string Path => parent is null || parent.Path.Length == 0 ? name : $"{parent.Path}.{name}";

        public Node Child(string responseName)
        {
            _children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!_children.TryGetValue(responseName, out var child))
            {
                _children[responseName] = child = new Node(this, responseName);
            }

            return child;
        }

        /// <summary>False when the fragment was already spread into this merged set.</summary>
        public bool Expand(string fragmentName) => (_expanded ??= new HashSet<string>(StringComparer.Ordinal)).Add(fragmentName);
    }
}
