using System.Collections;
using DrsGraph.Gateway.Errors;
using GraphQL;
using GraphQL.Validation;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.Browsing;

/// <summary>Reads the <c>where</c> and <c>order</c> arguments (coerced input dictionaries) into a <see cref="JobFilter"/> and a <see cref="JobOrder"/>.</summary>
public static class BrowseArguments
{
    /// <summary>
    /// Deepest <c>and</c>/<c>or</c> nesting accepted (a <c>tags</c> filter's some/all/none counts as a level too):
    /// a screen's filter needs two or three. The <c>where</c> itself is level 0, so eight nested <c>and</c>s pass.
    /// </summary>
    public const int MaxFilterDepth = 8;

    /// <summary>Most values in one <c>in</c>/<c>nin</c> list.</summary>
    public const int MaxListValues = 100;

    /// <summary>
    /// Most terms in a whole filter: every field, operation, <c>and</c>/<c>or</c> entry and list value counts one. Each
    /// term is evaluated against every candidate (up to thousands of listed jobs), so the per-list and depth limits alone
    /// let one request of 800 <c>and</c> entries of 100-value lists cost seconds of CPU; a screen's filter has a few dozen.
    /// </summary>
    public const int MaxFilterTerms = 500;

    /// <summary>
    /// Most entries in an <c>order</c> list. A screen sorts by one to three keys; the list's length was bounded only by
    /// the document's input-value limit when written, and not at all when sent as a variable, where 40 000 entries cost
    /// 9 s of CPU per request (and per poll of a page subscription). Keys on a field already sorted by are dropped too:
    /// they can never change the order.
    /// </summary>
    public const int MaxOrderEntries = 20;

    private static readonly Dictionary<string, BrowseField> Fields = new[]
    {
        BrowseField.Status, BrowseField.Phase, BrowseField.IsFailed, BrowseField.IsTerminal, BrowseField.Name, BrowseField.UseType,
        BrowseField.EngineType, BrowseField.NetType, BrowseField.Tags,
        BrowseField.DbType, BrowseField.TaskMode, BrowseField.CreatedAt, BrowseField.UpdatedAt, BrowseField.ProgressPercent,
        BrowseField.IncrementalDelaySeconds,
    }.ToDictionary(f => f.InputName, StringComparer.Ordinal);

    public static JobFilter Filter(object? where)
    {
        if (where is not IDictionary<string, object?> input)
        {
            return JobFilter.All;
        }

        if (ExceedsTerms(input))
        {
            throw Invalid($"The filter has more than {MaxFilterTerms} terms in all (fields, operations, and/or entries and list values each count one); narrow it.");
        }

        return Read(input, 0);
    }

    // Counts the coerced input's entries and list items without recursion (the depth is checked after), stopping past the limit.
    private static bool ExceedsTerms(IDictionary<string, object?> input)
    {
        var pending = new Stack<object?>();
        pending.Push(input);
        var terms = 0;
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case IDictionary<string, object?> entries:
                    foreach (var entry in entries)
                    {
                        if (++terms > MaxFilterTerms)
                        {
                            return true;
                        }

                        pending.Push(entry.Value);
                    }

                    break;
                case IEnumerable items and not string:
                    foreach (var item in items)
                    {
                        if (++terms > MaxFilterTerms)
                        {
                            return true;
                        }

                        pending.Push(item);
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary>
    /// The field's <c>order</c>, its keys in the precedence the caller wrote: within one sort object the fields count
    /// in the order written, as in HotChocolate (<c>{ status: DESC, createdAt: ASC }</c> sorts on status first). The
    /// coerced value lists an object's fields in the schema's order, so a literal object's order is read from the
    /// document; an object given by a variable keeps the order of its JSON keys as sent.
    /// </summary>
    public static JobOrder Order(IResolveFieldContext context) =>
        Order(context.GetArgument<object?>("order"), context.FieldAst.Arguments?.ValueFor("order"),
            new SentVariables(context.ExecutionContext.ExecutionOptions.Variables, context.Variables));

    public static JobOrder Order(object? order, GraphQLValue? written = null, SentVariables? variables = null)
    {
        if (order is not IEnumerable entries)
        {
            return JobOrder.None;
        }

        if (order is not IDictionary<string, object?> && entries.Cast<object?>().Skip(MaxOrderEntries).Any())
        {
            throw GatewayErrors.Create(GatewayErrorCodes.InvalidOrder, $"The order has more than {MaxOrderEntries} entries; sort by fewer keys (each field once is enough: a later key on the same field changes nothing).");
        }

        // A single object where a list is expected is a list of one (input coercion).
        var writtenEntries = (written is GraphQLVariable whole ? RawVariable(whole, variables) : written) switch
        {
            GraphQLListValue list => list.Values?.Cast<object?>().ToList(),
            GraphQLObjectValue one => [one],
            IEnumerable<object?> raw and not IDictionary<string, object?> => raw.ToList(),
            IDictionary<string, object?> one => [one],
            _ => null,
        };
        var keys = new List<JobOrder.Key>();
        var sorted = new HashSet<BrowseField>();
        var index = 0;
        foreach (var entry in entries)
        {
            var given = entry as IDictionary<string, object?> ?? new Dictionary<string, object?>();
            var asWritten = writtenEntries is not null && index < writtenEntries.Count ? WrittenOrder(writtenEntries[index], variables) : null;
            // Written names first, in their order; any the document did not show (never expected) after, in the coerced order.
            var names = (asWritten ?? []).Where(given.ContainsKey).Concat(given.Keys).Distinct(StringComparer.Ordinal);
            foreach (var name in names)
            {
                if (given[name] is bool descending && Fields.TryGetValue(name, out var field) && sorted.Add(field))
                {
                    keys.Add(new JobOrder.Key(field, descending));
                }
            }

            index++;
        }

        // Ties end on the job ID whenever an order is given (as the schema says), over given IDs too: the order is total.
        return new JobOrder(keys, TieOnId: keys.Count > 0);
    }

    /// <summary>The order as cursors bind it: one single-field object per key, in precedence (the same text as before for one field per object).</summary>
    public static IReadOnlyList<IDictionary<string, object?>>? Binding(JobOrder order) => order.Keys.Count == 0 ? null :
        [.. order.Keys.Select(k => (IDictionary<string, object?>)new Dictionary<string, object?> { [k.Field.InputName] = k.Descending })];

    /// <summary>The request's variables as sent (JSON key order kept) and as coerced (for a default the document declares).</summary>
    public sealed record SentVariables(GraphQL.Inputs? Sent, Variables? Coerced);

    // The field names of one written sort object, in the order written: a document literal, or a variable's value
    // as the request sent it. Coerced variables list an object's fields in the schema's order: not those.
    private static IEnumerable<string>? WrittenOrder(object? entry, SentVariables? variables) => entry switch
    {
        GraphQLObjectValue literal => literal.Fields?.Select(f => f.Name.StringValue) ?? [],
        GraphQLVariable variable => WrittenOrder(RawVariable(variable, variables), variables),
        IDictionary<string, object?> raw => raw.Keys,
        _ => null,
    };

    // A variable the request did not send takes the document's default, a literal.
    private static object? RawVariable(GraphQLVariable variable, SentVariables? variables) =>
        variables?.Sent is { } sent && sent.TryGetValue(variable.Name.StringValue, out var value) ? value
        : variables?.Coerced?.Find(variable.Name.Value)?.Definition?.DefaultValue;

    private static JobFilter Read(IDictionary<string, object?> input, int depth)
    {
        if (depth > MaxFilterDepth)
        {
            throw Invalid($"The filter nests and/or deeper than {MaxFilterDepth} levels.");
        }

        var conditions = new List<FieldCondition>();
        var and = new List<JobFilter>();
        var or = new List<JobFilter>();
        foreach (var (name, value) in input)
        {
            switch (name)
            {
                case "and":
                    and.AddRange(Nested(value, depth));
                    break;
                case "or":
                    or.AddRange(Nested(value, depth));
                    CheckOr(value, "");
                    break;
                default:
                    if (!Fields.TryGetValue(name, out var field) || value is not IDictionary<string, object?> operations)
                    {
                        break;
                    }

                    CheckOperations(operations, name);
                    foreach (var (operation, operand) in operations)
                    {
                        if (field == BrowseField.Tags)
                        {
                            conditions.Add(new FieldCondition(field, operation, operation == "any" ? operand ?? throw Invalid("'tags.any' needs true or false.")
                                : operand is IDictionary<string, object?> tag ? ReadTag(tag, depth + 1) : throw Invalid($"'tags.{operation}' needs a TagFilterInput.")));
                            continue;
                        }

                        CheckOperand(operand, $"{name}.{operation}", operation);
                        conditions.Add(new FieldCondition(field, operation, operand));
                    }

                    break;
            }
        }

        return new JobFilter(conditions, and, or);
    }

    private static TagFilter ReadTag(IDictionary<string, object?> input, int depth)
    {
        if (depth > MaxFilterDepth)
        {
            throw Invalid($"The filter nests and/or deeper than {MaxFilterDepth} levels.");
        }

        var conditions = new List<FieldCondition>();
        var and = new List<TagFilter>();
        var or = new List<TagFilter>();
        foreach (var (name, value) in input)
        {
            var nested = value is IEnumerable list and not IDictionary<string, object?> ? list.OfType<IDictionary<string, object?>>().Select(item => ReadTag(item, depth + 1)).ToList() : [];
            switch (name)
            {
                case "and":
                    and.AddRange(nested);
                    break;
                case "or":
                    or.AddRange(nested);
                    CheckOr(value, "tags ... ");
                    break;
                case "key" or "value" when value is IDictionary<string, object?> operations:
                    CheckOperations(operations, $"tags.{name}");
                    foreach (var (operation, operand) in operations)
                    {
                        CheckOperand(operand, $"tags.{name}.{operation}", operation);
                        conditions.Add(new FieldCondition(name == "key" ? TagFilter.Key : TagFilter.Value, operation, operand));
                    }

                    break;
            }
        }

        return new TagFilter(conditions, and, or);
    }

    private static List<JobFilter> Nested(object? value, int depth) =>
        value is IEnumerable list ? list.OfType<IDictionary<string, object?>>().Select(item => Read(item, depth + 1)).ToList() : [];

    // The checks a filter passes, a job's (Read) and a tag's (ReadTag) alike: a tag filter must not be a way around them.
    private static void CheckOr(object? value, string prefix)
    {
        if (value is IEnumerable entries and not IDictionary<string, object?> && !entries.Cast<object?>().Any())
        {
            throw Invalid($"`{prefix}or: []` matches nothing; leave it out instead.");
        }
    }

    private static void CheckOperations(IDictionary<string, object?> operations, string path)
    {
        if (operations.Count == 0)
        {
            throw Invalid($"The filter on '{path}' names no operation (eq, in, ...).");
        }
    }

    private static void CheckOperand(object? operand, string path, string operation)
    {
        if (operand is IEnumerable values and not string && values.Cast<object?>().Count() > MaxListValues)
        {
            throw Invalid($"'{path}' lists more than {MaxListValues} values.");
        }

        if (operand is null && operation is not ("eq" or "neq"))
        {
            throw Invalid($"'{path}' needs a value; only eq and neq compare with null.");
        }

        // GraphQL's Float is finite, but a JSON variable such as 1e400 reads as infinity and GraphQL.NET's Float lets
        // it through (the same number written in the query text is refused): refuse it here, where Float is read.
        if ((operand is double single && !double.IsFinite(single))
            || (operand is IEnumerable list and not string && list.Cast<object?>().Any(v => v is double d && !double.IsFinite(d))))
        {
            throw Invalid($"'{path}' is not a finite number: GraphQL's Float has no infinity or NaN.");
        }
    }

    private static ExecutionError Invalid(string message) => GatewayErrors.Create(GatewayErrorCodes.InvalidFilter, message);
}
