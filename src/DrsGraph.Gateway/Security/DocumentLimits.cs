using System.Collections;
using System.ComponentModel.DataAnnotations;
using GraphQL;
using GraphQL.Execution;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.Security;

/// <summary>Size limits checked on the parsed document before validation, bound from <c>Gateway:Limits</c>.</summary>
public sealed class DocumentLimitOptions
{
    public const string SectionName = "Gateway:Limits";

    /// <summary>
    /// Field nodes in the document as written (aliases and fragment bodies included). Default 5000: our
    /// largest real query has about 200, the IDE's introspection about 150. Checked before validation
    /// because validation itself is quadratic in same-named fields (overlap checks): 100 000 copies of
    /// <c>id</c> in a 1 MB body would keep a core busy for minutes.
    /// </summary>
    [Range(10, 1_000_000)]
    public int MaxFieldNodes { get; set; } = 5000;

    /// <summary>
    /// Estimated fields in the answer: every field times the length of the <c>jobs(ids:)</c> lists above
    /// it, fragments expanded. Default 250 000: every field of 500 jobs is about 75 000. Stops a small
    /// query that aliases <c>detail</c> a thousand times under 500 jobs from building a gigabyte answer.
    /// </summary>
    [Range(100, 100_000_000)]
    public int MaxResultFields { get; set; } = 250_000;

    /// <summary>
    /// Budget of the cache of parsed, validated documents, in megabytes of estimated size (about 16 bytes per
    /// character of query text). Default 8: thousands of typical queries. 0 turns it off: every request is
    /// parsed and fully validated. See <see cref="ValidatedDocumentCache"/>.
    /// </summary>
    [Range(0, 1024)]
    public int ValidatedDocumentCacheMegabytes { get; set; } = 8;
}

/// <summary>
/// Parses the query once, refuses documents over <see cref="DocumentLimitOptions"/> with a clear error, and
/// hands the parsed document on so the executer does not parse it again.
/// </summary>
public static class DocumentLimits
{
    public const string TooManyFields = "TOO_MANY_FIELDS";
    public const string ResultTooLarge = "RESULT_TOO_LARGE";
    public const string DocumentTooDeep = "DOCUMENT_TOO_DEEP";
    public const string SyntaxError = "SYNTAX_ERROR";

    public static async Task<ExecutionResult> EnforceAsync(
        ExecutionOptions options, Func<ExecutionOptions, Task<ExecutionResult>> next, DocumentLimitOptions limits, ValidatedDocumentCache? cache)
    {
        if (options.Document is not null || options.Query is not { } query)
        {
            return await next(options);
        }

        var known = cache?.Find(query);
        var document = known;
        if (document is null)
        {
            if (options.RequestServices?.GetService<IDocumentBuilder>() is not { } builder)
            {
                return await next(options);
            }

            try
            {
                document = builder.Build(query);
            }
            catch (GraphQLParser.Exceptions.GraphQLMaxDepthExceededException)
            {
                // The executer would report this as an unhandled exception (logged at Error): a client
                // could flood the logs with it. It is the client's problem, so say so plainly.
                return Refuse(DocumentTooDeep, "The document exceeds the parser's maximum depth (128 nested levels); no query of this schema needs more than 15.");
            }
            catch (GraphQLParser.Exceptions.GraphQLSyntaxErrorException)
            {
                // The executer parses again and reports the syntax error with its usual message and location.
                return await next(options);
            }
            catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentException or InvalidOperationException)
            {
                // GraphQL-Parser 9.5.1 can throw while composing some syntax errors' messages (found by the
                // fuzz test: IndexOutOfRangeException in HighlightSourceAtLocation). Still the client's bad syntax.
                return Refuse(SyntaxError, "The query is not valid GraphQL (syntax error).");
            }

            var fields = CountFieldNodes(document, limits.MaxFieldNodes);
            if (fields > limits.MaxFieldNodes)
            {
                return Refuse(TooManyFields, $"The document has more than {limits.MaxFieldNodes} fields (aliases and fragments included); split it into smaller operations.");
            }
        }

        // Depends on the variables, so checked for a cached document too.
        var estimate = EstimateResultFields(document, options.OperationName, options.Variables);
        if (estimate > limits.MaxResultFields)
        {
            return Refuse(ResultTooLarge, $"The answer would have about {Math.Min(estimate, 1e15):0} fields (each field times the jobs it applies to); at most {limits.MaxResultFields} are allowed. Ask for fewer jobs or fewer fields.");
        }

        options.Document = document;
        if (known is not null)
        {
            // Parsed, counted and fully validated before: only the rules that depend on the request run again.
            options.ValidationRules = options.CachedDocumentValidationRules ?? [];
            return await next(options);
        }

        var result = await next(options);
        if (result.Executed)
        {
            // Executed means every validation rule passed.
            cache?.Add(query, document);
        }

        return result;
    }

    private static ExecutionResult Refuse(string code, string message) =>
        new() { Errors = [new ExecutionError(message) { Code = code }] };

    /// <summary>Field nodes in every definition, stopping as soon as the count passes <paramref name="stopAfter"/>.</summary>
    internal static int CountFieldNodes(GraphQLDocument document, int stopAfter)
    {
        var count = 0;
        foreach (var definition in document.Definitions)
        {
            var set = definition switch
            {
                GraphQLOperationDefinition operation => operation.SelectionSet,
                GraphQLFragmentDefinition fragment => fragment.SelectionSet,
                _ => null,
            };
            if (set is not null && (count += Count(set, stopAfter - count)) > stopAfter)
            {
                break;
            }
        }

        return count;

        // Recursion is bounded by the parser's depth limit (GraphQLDocumentBuilder.MaxDepth, 128).
        static int Count(GraphQLSelectionSet set, int budget)
        {
            var n = 0;
            foreach (var selection in set.Selections)
            {
                GraphQLSelectionSet? child = null;
                if (selection is GraphQLField field)
                {
                    n++;
                    child = field.SelectionSet;
                }
                else if (selection is GraphQLInlineFragment inline)
                {
                    child = inline.SelectionSet;
                }

                if (child is not null)
                {
                    n += Count(child, budget - n);
                }

                if (n > budget)
                {
                    break;
                }
            }

            return n;
        }
    }

    /// <summary>
    /// Fields the answer can hold: 1 per field, times the list length of each <c>jobs(ids:)</c> above it
    /// (from the literal or the variable). Linear: fragments are costed once and cycles count 0 (validation
    /// refuses them anyway). Other lists (phases, tags) are short DRS data and count once.
    /// </summary>
    internal static double EstimateResultFields(GraphQLDocument document, string? operationName, Inputs? variables)
    {
        var fragments = new Dictionary<string, GraphQLFragmentDefinition>(StringComparer.Ordinal);
        foreach (var fragment in document.Definitions.OfType<GraphQLFragmentDefinition>())
        {
            fragments.TryAdd(fragment.FragmentName.Name.StringValue, fragment);
        }

        var memo = new Dictionary<string, double>(StringComparer.Ordinal);
        var inProgress = new HashSet<string>(StringComparer.Ordinal);
        var worst = 0d;
        foreach (var operation in document.Definitions.OfType<GraphQLOperationDefinition>())
        {
            if (operationName is null || operation.Name?.StringValue == operationName)
            {
                worst = Math.Max(worst, Cost(operation.SelectionSet));
            }
        }

        return worst;

        double Cost(GraphQLSelectionSet set)
        {
            var total = 0d;
            foreach (var selection in set.Selections)
            {
                total += selection switch
                {
                    GraphQLField field => 1 + (field.SelectionSet is { } child ? ListLength(field) * Cost(child) : 0),
                    GraphQLInlineFragment inline => Cost(inline.SelectionSet),
                    GraphQLFragmentSpread spread => FragmentCost(spread.FragmentName.Name.StringValue),
                    _ => 0,
                };
            }

            return total;
        }

        double FragmentCost(string name)
        {
            if (memo.TryGetValue(name, out var known))
            {
                return known;
            }

            if (!fragments.TryGetValue(name, out var fragment) || !inProgress.Add(name))
            {
                return 0;
            }

            var cost = Cost(fragment.SelectionSet);
            inProgress.Remove(name);
            return memo[name] = cost;
        }

        double ListLength(GraphQLField field)
        {
            if (field.Name.StringValue != "jobs" || field.Arguments?.Items is not { } arguments)
            {
                return 1;
            }

            foreach (var argument in arguments)
            {
                if (argument.Name.StringValue != "ids")
                {
                    continue;
                }

                return argument.Value switch
                {
                    GraphQLListValue list => Math.Max(1, list.Values?.Count ?? 0),
                    GraphQLVariable variable when variables is not null
                        && variables.TryGetValue(variable.Name.StringValue, out var value)
                        && value is IEnumerable items and not string => Math.Max(1, items.Cast<object?>().Count()),
                    _ => 1,
                };
            }

            return 1;
        }
    }
}
