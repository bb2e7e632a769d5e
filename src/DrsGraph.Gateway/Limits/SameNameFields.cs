using GraphQL;
using GraphQL.Types;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// What validation's "field selection merging" rule (GraphQL.NET's OverlappingFieldsCanBeMerged) will compare,
/// counted per merged selection set: the fields sharing one response name, which it compares pair by pair, and
/// the fragments spread into one set, which it compares with the set's fields and pair by pair. Fields reached through inline
/// fragments and fragment spreads count where they land, and the selections of same-named fields merge, so
/// <c>a: job { s: status } a: job { s: phase }</c> puts two fields under <c>a.s</c>: the rule compares those too
/// (and reports one error per conflicting pair, which is how 1200 fields answered 360 000 errors). Linear: one
/// walk, a fragment expanded at most once into each merged selection set (the rule does not compare a fragment
/// with itself), at most <c>budget</c> fields visited and <c>maxFragmentComparisons</c> fragments met in all.
/// </summary>
internal static class SameNameFields
{
    /// <summary>
    /// The counts of one document. <c>Most</c> fields under one response name (at <c>Path</c>) and <c>Pairs</c> of
    /// such fields in all, where copies of one plain leaf count once; <c>CopyPairs</c> of such copies in all, and
    /// <c>MostCopies</c> under one name (at <c>CopiesPath</c>); <c>FragmentComparisons</c>: for each merged set, the
    /// fragments landing in it plus, for each fragment spread in it, those landed before times those it brings, summed.
    /// <c>OverBudget</c>: the walk stopped because expanding fragments visited more than <c>budget</c> fields;
    /// <c>TooManyFragmentComparisons</c>: it stopped past <c>maxFragmentComparisons</c>. The other counts are then partial.
    /// </summary>
    public readonly record struct Counts(
        int Most, string? Path, long Pairs, long CopyPairs, int MostCopies, string? CopiesPath, long FragmentComparisons, bool OverBudget, bool TooManyFragmentComparisons);

    /// <summary>
    /// Counts <paramref name="document"/>, walking at most <paramref name="budget"/> fields and stopping past
    /// <paramref name="maxFragmentComparisons"/>. <paramref name="shape"/> gives the schema's types, to tell plain leaf
    /// copies asked of one type (which never conflict) from copies asked of different types (whose return types may
    /// differ, and then every pair conflicts); without it no copy counts as plain.
    /// </summary>
    public static Counts Of(GraphQLDocument document, DocumentShape? shape, int budget, int maxFragmentComparisons)
    {
        var fragments = new Dictionary<string, GraphQLFragmentDefinition>(StringComparer.Ordinal);
        foreach (var fragment in document.Definitions.OfType<GraphQLFragmentDefinition>())
        {
            fragments.TryAdd(fragment.FragmentName.Name.StringValue, fragment);
        }

        var inProgress = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new List<Node>();
        var visited = 0;
        var fragmentComparisons = 0L;
        var stop = Stop.None;
        foreach (var definition in document.Definitions)
        {
            // Every definition is a root of the rule, unused fragments too (validation refuses those only after comparing them).
            var (set, type) = definition switch
            {
                GraphQLOperationDefinition operation => (operation.SelectionSet, shape?.RootOf(operation)),
                GraphQLFragmentDefinition fragment => (fragment.SelectionSet, shape?.TypeOf(fragment.TypeCondition)),
                _ => ((GraphQLSelectionSet?)null, (IGraphType?)null),
            };
            if (set is not null && !Walk(set, new Node(null, ""), false, type))
            {
                break;
            }
        }

        // Counted after the walk: whether a name's copies are all one plain leaf is known only once all are seen.
        int most = 0, mostCopies = 0;
        long pairs = 0, copyPairs = 0;
        Node? mostNode = null, copiesNode = null;
        foreach (var node in nodes)
        {
            if (node.IsPlainLeaf)
            {
                // The rule still compares them pair by pair, and each pair of same-named parents compares their
                // selections again (with the fragments spread there): bounded on their own.
                copyPairs += (long)node.Count * (node.Count - 1) / 2;
                if (node.Count > mostCopies)
                {
                    mostCopies = node.Count;
                    copiesNode = node;
                }
            }

            // Copies of one leaf without arguments or directives can never conflict: the rule finds nothing between them.
            var count = node.IsPlainLeaf ? 1 : node.Count;
            pairs += (long)count * (count - 1) / 2;
            if (count > most)
            {
                most = count;
                mostNode = node;
            }
        }

        return new Counts(most, mostNode?.Path, pairs, copyPairs, mostCopies, copiesNode?.Path, fragmentComparisons, stop == Stop.OverBudget, stop == Stop.TooManyFragmentComparisons);

        // inFragment: the set is a fragment's, expanded into the node by a spread met in this walk of the node.
        bool Walk(GraphQLSelectionSet set, Node node, bool inFragment, IGraphType? parent)
        {
            foreach (var selection in set.Selections)
            {
                switch (selection)
                {
                    case GraphQLField field:
                        if (++visited > budget)
                        {
                            stop = Stop.OverBudget;
                            return false;
                        }

                        var child = node.Child((field.Alias?.Name ?? field.Name).StringValue, nodes);
                        child.Add(field, shape is null ? null : parent ?? Unknown);
                        if (field.SelectionSet is { } below && !Walk(below, child, false, shape?.FieldOf(parent, field.Name.StringValue)?.ResolvedType?.GetNamedType()))
                        {
                            return false;
                        }

                        break;
                    case GraphQLInlineFragment inline:
                        if (!Walk(inline.SelectionSet, node, inFragment, shape?.TypeOf(inline.TypeCondition) ?? parent))
                        {
                            return false;
                        }

                        break;
                    case GraphQLFragmentSpread spread:
                        var fragmentName = spread.FragmentName.Name.StringValue;
                        // Unknown fragments and cycles are validation's to report; a cycle would never end here.
                        if (fragments.TryGetValue(fragmentName, out var fragment) && !inProgress.Contains(fragmentName) && node.Expand(fragmentName) is { } before)
                        {
                            // The rule compares the set's own fields with every fragment landing in it (the fragments
                            // a fragment spreads included), then each fragment spread in the set with each other one,
                            // each side with the fragments it spreads: the landed ones times the new ones.
                            inProgress.Add(fragmentName);
                            var ok = Walk(fragment.SelectionSet, node, true, shape?.TypeOf(fragment.TypeCondition));
                            inProgress.Remove(fragmentName);
                            if (!ok)
                            {
                                return false;
                            }

                            fragmentComparisons += 1 + (inFragment ? 0 : (long)before * (node.Expanded - before));
                            if (fragmentComparisons > maxFragmentComparisons)
                            {
                                stop = Stop.TooManyFragmentComparisons;
                                return false;
                            }
                        }

                        break;
                }
            }

            return true;
        }
    }

    /// <summary>The parent of fields on types the schema does not know (validation reports those).</summary>
    private static readonly object Unknown = new();

    private enum Stop
    {
        None,
        OverBudget,
        TooManyFragmentComparisons,
    }

    /// <summary>
    /// One merged selection set, reached under one response name: the fields answering under that name, the
    /// response names under it and the fragments already spread into it.
    /// </summary>
    private sealed class Node(Node? parent, string name)
    {
        private Dictionary<string, Node>? _children;
        private HashSet<string>? _expanded;
        private string? _fieldName;
        private object? _parentType;

        /// <summary>Fields answering under this response name.</summary>
        public int Count { get; private set; }

        /// <summary>Every field under this name is the same field of the same type, without arguments, directives or selections.</summary>
        public bool IsPlainLeaf { get; private set; }

        public string Path => parent is null || parent.Path.Length == 0 ? name : $"{parent.Path}.{name}";

        public Node Child(string responseName, List<Node> nodes)
        {
            _children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!_children.TryGetValue(responseName, out var child))
            {
                _children[responseName] = child = new Node(this, responseName);
                nodes.Add(child);
            }

            return child;
        }

        /// <summary>Adds <paramref name="field"/>, asked of <paramref name="parentType"/> (null when not known: then it is not plain).</summary>
        public void Add(GraphQLField field, object? parentType)
        {
            var plain = parentType is not null && field.SelectionSet is null && field.Arguments is not { Count: > 0 } && field.Directives is not { Count: > 0 };
            var fieldName = field.Name.StringValue;
            IsPlainLeaf = Count == 0
                ? plain
                : IsPlainLeaf && plain && string.Equals(_fieldName, fieldName, StringComparison.Ordinal) && ReferenceEquals(_parentType, parentType);
            _fieldName ??= fieldName;
            _parentType ??= parentType;
            Count++;
        }

        /// <summary>Distinct fragments spread into this set.</summary>
        public int Expanded => _expanded?.Count ?? 0;

        /// <summary>The number of fragments spread into this set before this one; null when it was already spread.</summary>
        public int? Expand(string fragmentName)
        {
            _expanded ??= new HashSet<string>(StringComparer.Ordinal);
            return _expanded.Add(fragmentName) ? _expanded.Count - 1 : null;
        }
    }
}
