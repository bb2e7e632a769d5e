using System.Collections;
using GraphQL;
using GraphQL.Types;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// How many items a list field can return, as metadata on the field, read by the result-size estimate
/// (<see cref="DocumentShape"/>). A list field without it counts as one item.
/// </summary>
public static class ListSizes
{
    /// <summary>An <c>int</c>: the field returns at most this many items.</summary>
    public const string MaxItemsKey = "drsgraph:listSize:maxItems";

    /// <summary>A <c>string</c>: the field returns as many items as the list argument of that name holds (<c>jobs(ids:)</c>).</summary>
    public const string ArgumentKey = "drsgraph:listSize:argument";

    /// <summary>
    /// An <c>int</c>, the default page size: the field is a connection whose page is its <c>first</c> or <c>last</c>
    /// argument, else this. The result-size estimate counts what is below it that many times; the job budget counts
    /// the page as the jobs it loads, unless <see cref="JobIdsArgumentKey"/> names the IDs (those are the candidates).
    /// </summary>
    public const string PageSizeKey = "drsgraph:listSize:pageSize";

    /// <summary>
    /// An <c>int</c>: the largest page (<c>first</c>/<c>last</c>) of a <see cref="PageSizeKey"/> connection; a larger one
    /// is refused by the field itself (<c>PAGE_SIZE_EXCEEDED</c>), so the result-size estimate counts at most this
    /// many. Counting the page as asked would refuse the whole request (<c>RESULT_TOO_LARGE</c>) for what is the
    /// field's own, clearer error, and take every other root field's data with it.
    /// </summary>
    public const string MaxPageSizeKey = "drsgraph:listSize:maxPageSize";

    /// <summary>
    /// A <c>string</c>: the argument naming the jobs the field loads, one ID (<c>job(id:)</c>) or a list of them
    /// (<c>jobs(ids:)</c>). The job budget (<c>JobBudgetRule</c>) and the rate limiter's charge (<c>RequestCost</c>)
    /// count the IDs named there, so a new field that loads jobs is counted by saying so, not by its name.
    /// </summary>
    public const string JobIdsArgumentKey = "drsgraph:jobIds:argument";

    /// <summary>
    /// An <c>int</c>: the most job IDs (<see cref="JobIdsArgumentKey"/>) or the largest page (<see cref="PageSizeKey"/>)
    /// the field accepts; more is refused by the field itself (<c>TOO_MANY_JOB_IDS</c>, <c>PAGE_SIZE_EXCEEDED</c>). The
    /// job budget and the rate limiter's charge count at most this many: a request the field refuses anyway must get
    /// that clear error, not be charged for 5000 jobs it never loads (a charge above the bucket is never granted, so
    /// the caller saw RATE_LIMITED on every retry).
    /// </summary>
    public const string MaxJobIdsKey = "drsgraph:jobIds:max";

    /// <summary>
    /// Gives each list field of the introspection types its real worst case for this schema (the most fields
    /// of any type, the most arguments of any field, ...). Computed from the built schema, so the estimate
    /// follows the schema as it grows. Idempotent; initializes the schema.
    /// </summary>
    public static void AnnotateIntrospection(ISchema schema)
    {
        schema.Initialize();
        var types = schema.AllTypes.ToList();
        var complex = types.OfType<IComplexGraphType>().ToList();
        var directives = schema.Directives.ToList();
        var sizes = new Dictionary<(string Type, string Field), int>
        {
            [("__Schema", "types")] = types.Count,
            [("__Schema", "directives")] = directives.Count,
            [("__Type", "fields")] = MaxOf(complex.Where(t => t is not IInputObjectGraphType), t => t.Fields.Count),
            [("__Type", "inputFields")] = MaxOf(types.OfType<IInputObjectGraphType>(), t => t.Fields.Count),
            [("__Type", "interfaces")] = MaxOf(types.OfType<IImplementInterfaces>(), t => t.ResolvedInterfaces.Count),
            [("__Type", "possibleTypes")] = MaxOf(types.OfType<IAbstractGraphType>(), t => t.PossibleTypes.Count),
            [("__Type", "enumValues")] = MaxOf(types.OfType<EnumerationGraphType>(), t => t.Values.Count),
            // Not the most arguments of any field: the estimate multiplies this by __Type.fields, so what must be
            // bounded is the arguments of one type's fields together. Spreading that total over the most fields
            // of any type keeps the product a true bound without charging every field of JobDetail for the seven
            // arguments of a connection (which had tripled the IDE's introspection estimate).
            [("__Field", "args")] = Math.Max(1, (int)Math.Ceiling(
                (double)MaxOf(complex.Where(t => t is not IInputObjectGraphType), t => t.Fields.Sum(f => f.Arguments?.Count ?? 0))
                / MaxOf(complex.Where(t => t is not IInputObjectGraphType), t => t.Fields.Count))),
            [("__Directive", "args")] = MaxOf(directives, d => d.Arguments?.Count ?? 0),
            [("__Directive", "locations")] = MaxOf(directives, d => d.Locations.Count),
        };

        // Any other introspection list (appliedDirectives, a field a later GraphQL.NET adds) gets the largest
        // size above: too high is a refused query, too low an answer we did not expect.
        var fallback = sizes.Values.Max();
        foreach (var type in complex.Where(t => t.Name.StartsWith("__", StringComparison.Ordinal)))
        {
            foreach (var field in type.Fields)
            {
                if (field.ResolvedType is { } resolved && IsList(resolved))
                {
                    field.Metadata[MaxItemsKey] = sizes.TryGetValue((type.Name, field.Name), out var size) ? size : fallback;
                }
            }
        }
    }

    /// <summary>Items the field can return: its metadata, else 1 (not a list, or a list of DRS data the estimate cannot know).</summary>
    internal static double ItemsOf(FieldType? definition, GraphQLField field, Inputs? variables)
    {
        if (definition is null)
        {
            return 1;
        }

        if (definition.GetMetadata<int?>(MaxItemsKey) is { } items)
        {
            return items;
        }

        if (definition.GetMetadata<int?>(PageSizeKey) is { } pageSize)
        {
            return Math.Min(PageSizeOf(field, variables, pageSize), definition.GetMetadata<int?>(MaxPageSizeKey) ?? int.MaxValue);
        }

        if (definition.GetMetadata<string?>(ArgumentKey) is not { } argumentName || field.Arguments?.Items is not { } arguments)
        {
            return 1;
        }

        foreach (var argument in arguments)
        {
            if (argument.Name.StringValue == argumentName)
            {
                return argument.Value switch
                {
                    GraphQLListValue list => Math.Max(1, list.Values?.Count ?? 0),
                    GraphQLVariable variable when variables is not null
                        && variables.TryGetValue(variable.Name.StringValue, out var value)
                        && value is IEnumerable values and not string => Math.Max(1, values.Cast<object?>().Count()),
                    _ => 1,
                };
            }
        }

        return 1;
    }

    /// <summary>
    /// Job IDs the field names in its <see cref="JobIdsArgumentKey"/> argument, as written (before validation):
    /// the length of a list, literal or variable; 1 for anything else there (one ID, a variable not given);
    /// 0 when the field loads no jobs or the argument is missing; at most the field's <see cref="MaxJobIdsKey"/>.
    /// </summary>
    internal static double JobIdsOf(FieldType? definition, GraphQLField field, Inputs? variables)
    {
        return Math.Min(NamedJobIds(definition, field, variables), definition?.GetMetadata<int?>(MaxJobIdsKey) ?? double.MaxValue);
    }

    private static double NamedJobIds(FieldType? definition, GraphQLField field, Inputs? variables)
    {
        if (definition?.GetMetadata<string?>(JobIdsArgumentKey) is null && definition?.GetMetadata<int?>(PageSizeKey) is { } pageSize)
        {
            return PageSizeOf(field, variables, pageSize);
        }

        if (definition?.GetMetadata<string?>(JobIdsArgumentKey) is not { } argumentName || field.Arguments?.Items is not { } arguments)
        {
            return 0;
        }

        foreach (var argument in arguments)
        {
            if (argument.Name.StringValue == argumentName)
            {
                return argument.Value switch
                {
                    GraphQLListValue list => list.Values?.Count ?? 0,
                    GraphQLVariable variable when variables is not null
                        && variables.TryGetValue(variable.Name.StringValue, out var value)
                        && value is IEnumerable items and not string => items.Cast<object?>().Count(),
                    _ => 1,
                };
            }
        }

        return 0;
    }

    /// <summary>A connection's page: its <c>first</c> or <c>last</c> (literal or variable, the larger), else the default.</summary>
    internal static int PageSizeOf(GraphQLField field, Inputs? variables, int defaultSize)
    {
        int? size = null;
        foreach (var argument in field.Arguments?.Items ?? [])
        {
            if (argument.Name.StringValue is not ("first" or "last"))
            {
                continue;
            }

            var value = argument.Value switch
            {
                GraphQLIntValue literal when int.TryParse(literal.Value.Span, out var parsed) => parsed,
                GraphQLVariable variable when variables is not null && variables.TryGetValue(variable.Name.StringValue, out var given) && given is int number => number,
                _ => (int?)null,
            };
            if (value is { } n)
            {
                size = Math.Max(size ?? 0, n);
            }
        }

        return Math.Max(0, size ?? defaultSize);
    }

    // At least 1: a list empty in today's schema still costs its field.
    private static int MaxOf<T>(IEnumerable<T> items, Func<T, int> size) => Math.Max(1, items.Select(size).DefaultIfEmpty(0).Max());

    private static bool IsList(IGraphType type) => type switch
    {
        NonNullGraphType nonNull => nonNull.ResolvedType is { } inner && IsList(inner),
        ListGraphType => true,
        _ => false,
    };
}
