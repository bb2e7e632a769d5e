using GraphQL;
using GraphQL.Types;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// Walks a parsed document with the schema's types beside it, before validation: how large its answer can
/// be (<see cref="EstimateResultFields"/>) and how deep it nests introspection's recursive fields
/// (<see cref="FindIntrospectionOverflow"/>). Both are linear: each fragment is walked once, whatever
/// it is spread into (that is how a 1 KB query asked for a 42 MB answer), and a fragment cycle counts
/// nothing (validation refuses it).
/// </summary>
public sealed class DocumentShape
{
    /// <summary>The introspection fields HotChocolate's IntrospectionDepthVisitor bounds, each on its own.</summary>
    private static readonly string[] RecursiveFields = ["fields", "inputFields", "interfaces", "possibleTypes", "ofType"];
    private const int OfTypeIndex = 4;

    private readonly ISchema _schema;

    public DocumentShape(ISchema schema)
    {
        ListSizes.AnnotateIntrospection(schema);
        _schema = schema;
    }

    /// <summary>
    /// Fields the answer can hold: 1 per field, times the items of every list above it (<see cref="ListSizes"/>:
    /// the <c>ids</c> of <c>jobs</c>, introspection's real sizes); a leaf list counts its items. The worst
    /// operation of the document when no name is given.
    /// </summary>
    public double EstimateResultFields(GraphQLDocument document, string? operationName, Inputs? variables) =>
        WorstOperation(document, operationName, variables, (definition, field, inputs, children) =>
        {
            var items = ListSizes.ItemsOf(definition, field, inputs);
            return field.SelectionSet is null ? items : 1 + (items * children);
        });

    /// <summary>
    /// Job IDs the operation names (<see cref="ListSizes.JobIdsOf"/> of every field that loads jobs), through
    /// fragments and aliases; repeats count again: each is a field to resolve. The most of any operation of
    /// the document when no name is given.
    /// </summary>
    public double CountJobIds(GraphQLDocument document, string? operationName, Inputs? variables) =>
        WorstOperation(document, operationName, variables, (definition, field, inputs, children) =>
            ListSizes.JobIdsOf(definition, field, inputs) + children);

    /// <summary>
    /// The largest, over the document's operations (only <paramref name="operationName"/>'s when given), of the
    /// sum over its selections of <paramref name="fieldValue"/>: called with a field's definition (null when
    /// unknown), the field, the operation's variables (its defaults for those not given) and the sum for its own
    /// selections (0 for a leaf; fragments followed, each computed once per operation).
    /// </summary>
    private double WorstOperation(GraphQLDocument document, string? operationName, Inputs? variables, Func<FieldType?, GraphQLField, Inputs?, double, double> fieldValue)
    {
        var worst = 0d;
        Walk<double>? shared = null;
        foreach (var operation in document.Definitions.OfType<GraphQLOperationDefinition>())
        {
            // An empty name is no name, as GraphQL.NET takes it (it runs the document's only operation): compared as a
            // name it matched no operation and the whole estimate was 0.
            if (string.IsNullOrEmpty(operationName) || operation.Name?.StringValue == operationName)
            {
                // Fragments are computed once for every operation that runs with the request's variables as given.
                var inputs = WithDefaults(operation, variables);
                var walk = ReferenceEquals(inputs, variables) ? shared ??= new Walk<double>(document) : new Walk<double>(document);
                worst = Math.Max(worst, Sum(operation.SelectionSet, RootOf(operation), walk, inputs));
            }
        }

        return worst;

        double Sum(GraphQLSelectionSet set, IGraphType? parent, Walk<double> walk, Inputs? inputs)
        {
            var total = 0d;
            foreach (var selection in set.Selections)
            {
                switch (selection)
                {
                    case GraphQLField field:
                        var definition = FieldOf(parent, field.Name.StringValue);
                        var children = field.SelectionSet is { } child ? Sum(child, definition?.ResolvedType?.GetNamedType(), walk, inputs) : 0;
                        total += fieldValue(definition, field, inputs, children);
                        break;
                    case GraphQLInlineFragment inline:
                        total += Sum(inline.SelectionSet, TypeOf(inline.TypeCondition) ?? parent, walk, inputs);
                        break;
                    case GraphQLFragmentSpread spread:
                        total += walk.Fragment(spread, 0, fragment => Sum(fragment.SelectionSet, TypeOf(fragment.TypeCondition), walk, inputs));
                        break;
                }
            }

            return total;
        }
    }

    /// <summary>
    /// The variables an operation runs with: those given, and for the others their default in the document (a list
    /// default as its items, an Int as its value), so a list of 500 IDs written as a default counts as 500, not as
    /// one variable not given.
    /// </summary>
    private static Inputs? WithDefaults(GraphQLOperationDefinition operation, Inputs? variables)
    {
        Dictionary<string, object?>? merged = null;
        foreach (var definition in operation.Variables?.Items ?? [])
        {
            var name = definition.Variable.Name.StringValue;
            if (definition.DefaultValue is not { } value || (variables is not null && variables.ContainsKey(name)))
            {
                continue;
            }

            merged ??= variables is null ? new(StringComparer.Ordinal) : new(variables, StringComparer.Ordinal);
            merged[name] = value switch
            {
                GraphQLListValue list => (object)(list.Values?.Cast<object?>().ToList() ?? []),
                GraphQLIntValue number when int.TryParse(number.Value.Span, out var parsed) => parsed,
                _ => value,
            };
        }

        return merged is null ? variables : new Inputs(merged);
    }

    /// <summary>
    /// The first of <c>__Type</c>'s recursive fields (<c>fields</c>, <c>inputFields</c>, <c>interfaces</c>,
    /// <c>possibleTypes</c>: at most <paramref name="maxListRecursion"/> on any path; <c>ofType</c>: at most
    /// <paramref name="maxOfTypeDepth"/>) that some path nests beyond its limit, fragments followed; null when none does.
    /// The same rule and defaults as HotChocolate's IntrospectionDepthVisitor (1 and 16): the IDE's query uses
    /// each list once and <c>ofType</c> 7 to 9 deep.
    /// </summary>
    public string? FindIntrospectionOverflow(GraphQLDocument document, int maxListRecursion, int maxOfTypeDepth)
    {
        var walk = new Walk<int[]>(document);
        var deepest = new int[RecursiveFields.Length];
        foreach (var operation in document.Definitions.OfType<GraphQLOperationDefinition>())
        {
            Max(deepest, Depths(operation.SelectionSet, RootOf(operation)));
        }

        for (var i = 0; i < RecursiveFields.Length; i++)
        {
            if (deepest[i] > (i == OfTypeIndex ? maxOfTypeDepth : maxListRecursion))
            {
                return RecursiveFields[i];
            }
        }

        return null;

        // The most times each recursive field occurs on one path below the set.
        int[] Depths(GraphQLSelectionSet set, IGraphType? parent)
        {
            var most = new int[RecursiveFields.Length];
            foreach (var selection in set.Selections)
            {
                switch (selection)
                {
                    case GraphQLField field when field.SelectionSet is { } child:
                        var definition = FieldOf(parent, field.Name.StringValue);
                        var below = (int[])Depths(child, definition?.ResolvedType?.GetNamedType()).Clone();
                        var index = parent?.Name == "__Type" ? Array.IndexOf(RecursiveFields, field.Name.StringValue) : -1;
                        if (index >= 0)
                        {
                            below[index]++;
                        }

                        Max(most, below);
                        break;
                    case GraphQLInlineFragment inline:
                        Max(most, Depths(inline.SelectionSet, TypeOf(inline.TypeCondition) ?? parent));
                        break;
                    case GraphQLFragmentSpread spread:
                        Max(most, walk.Fragment(spread, new int[RecursiveFields.Length], fragment => Depths(fragment.SelectionSet, TypeOf(fragment.TypeCondition))));
                        break;
                }
            }

            return most;
        }

        static void Max(int[] into, int[] other)
        {
            for (var i = 0; i < into.Length; i++)
            {
                into[i] = Math.Max(into[i], other[i]);
            }
        }
    }

    internal IGraphType? RootOf(GraphQLOperationDefinition operation) => operation.Operation switch
    {
        OperationType.Query => _schema.Query,
        OperationType.Mutation => _schema.Mutation,
        _ => _schema.Subscription,
    };

    internal IGraphType? TypeOf(GraphQLTypeCondition? condition) =>
        condition is null ? null : _schema.AllTypes[condition.Type.Name.StringValue];

    internal FieldType? FieldOf(IGraphType? parent, string name)
    {
        if (parent is null)
        {
            return null;
        }

        if (ReferenceEquals(parent, _schema.Query))
        {
            if (name == _schema.SchemaMetaFieldType.Name)
            {
                return _schema.SchemaMetaFieldType;
            }

            if (name == _schema.TypeMetaFieldType.Name)
            {
                return _schema.TypeMetaFieldType;
            }
        }

        return (parent as IComplexGraphType)?.GetField(name);
    }

    /// <summary>Each fragment's result computed once; a fragment being computed (a cycle) or unknown gives <c>empty</c>.</summary>
    private sealed class Walk<T>(GraphQLDocument document)
    {
        private readonly Dictionary<string, GraphQLFragmentDefinition> _fragments = Index(document);
        private readonly Dictionary<string, T> _memo = new(StringComparer.Ordinal);
        private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);

        public T Fragment(GraphQLFragmentSpread spread, T empty, Func<GraphQLFragmentDefinition, T> compute)
        {
            var name = spread.FragmentName.Name.StringValue;
            if (_memo.TryGetValue(name, out var known))
            {
                return known;
            }

            if (!_fragments.TryGetValue(name, out var fragment) || !_inProgress.Add(name))
            {
                return empty;
            }

            var result = compute(fragment);
            _inProgress.Remove(name);
            return _memo[name] = result;
        }

        private static Dictionary<string, GraphQLFragmentDefinition> Index(GraphQLDocument document)
        {
            var fragments = new Dictionary<string, GraphQLFragmentDefinition>(StringComparer.Ordinal);
            foreach (var fragment in document.Definitions.OfType<GraphQLFragmentDefinition>())
            {
                fragments.TryAdd(fragment.FragmentName.Name.StringValue, fragment);
            }

            return fragments;
        }
    }
}
