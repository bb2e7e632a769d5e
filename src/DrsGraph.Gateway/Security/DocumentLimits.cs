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
    /// Estimated fields in the answer, for the whole HTTP request (a batch counts the sum of its operations):
    /// every field times the items of the lists above it (the length of <c>jobs(ids:)</c>, introspection's
    /// real list sizes for this schema), fragments expanded. Default 250 000: every field of 500 jobs is about
    /// 75 000, the IDE's full introspection query about 100 000 (its lists counted at their longest). Stops a small query that aliases <c>detail</c>
    /// a thousand times under 500 jobs, or nests fragments over introspection, from building a gigabyte answer.
    /// </summary>
    [Range(100, 100_000_000)]
    public int MaxResultFields { get; set; } = 250_000;

    /// <summary>
    /// Directives in the document (<c>@include</c>, <c>@skip</c>, unknown ones). Default 200: real queries use a
    /// handful. Validation walks every directive of a field against every other (40 000 repeated
    /// <c>@include(if: true)</c> cost 12 s of CPU), so they are counted before it runs.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxDirectives { get; set; } = 200;

    /// <summary>
    /// Arguments in the document, of fields and directives. Default 1500: a query may name up to
    /// <c>MaxJobReferences</c> (1000) jobs one <c>job(id:)</c> at a time. Validating unknown arguments grows
    /// faster than their number: 1500 on one field cost about 25 ms, 40 000 cost 2.3 s.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxArguments { get; set; } = 1500;

    /// <summary>Variable definitions in the document. Default 100: real queries declare a few. 40 000 unused ones cost 2.9 s to validate.</summary>
    [Range(1, 1_000_000)]
    public int MaxVariables { get; set; } = 100;

    /// <summary>
    /// Fragment definitions, spreads and inline fragments in the document. Default 1000: the IDE's introspection
    /// query has 12. Field counts do not see spreads, and validation compares the fields each one brings with its
    /// neighbours'; 4900 unused or same-named fragment definitions answered 0.8 to 1.7 MB of errors.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxFragments { get; set; } = 1000;

    /// <summary>
    /// Values written in the document's arguments and variable defaults: every scalar, list item and input
    /// object field, nested ones included. Default 2500: 1000 job IDs, one <c>job(id:)</c> or <c>ids</c> item
    /// each, fit with room to spare. An input object literal repeating one field 100 000 times (500 KB) cost
    /// 20 s of validation CPU; a list literal of 300 000 items 0.4 s.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxInputValues { get; set; } = 2500;

    /// <summary>
    /// Times one path may pass through each of introspection's recursive lists (<c>__Type.fields</c>,
    /// <c>inputFields</c>, <c>interfaces</c>, <c>possibleTypes</c>), fragments followed. Default 1, as
    /// HotChocolate's <c>MaxAllowedListRecursiveDepth</c>: IDEs ask each once; asking
    /// <c>fields { type { fields ... } }</c> is how a 1 KB query asked for 42 MB.
    /// </summary>
    [Range(1, 100)]
    public int MaxIntrospectionListRecursion { get; set; } = 1;

    /// <summary>
    /// Nested <c>__Type.ofType</c> on one path, fragments followed. Default 16, as HotChocolate's
    /// <c>MaxAllowedOfTypeDepth</c>: graphql-js's introspection query nests it 9 deep, enough for <c>[[[T!]!]!]!</c>.
    /// </summary>
    [Range(1, 100)]
    public int MaxIntrospectionOfTypeDepth { get; set; } = 16;

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
/// hands the parsed document on so the executer does not parse it again. Every count here is one linear walk
/// of the parsed document, done before GraphQL.NET's validation, whose rules are the costly part on hostile
/// documents (quadratic in repeated fields, directives, ...).
/// </summary>
public static class DocumentLimits
{
    public const string TooManyFields = "TOO_MANY_FIELDS";
    public const string TooManyDirectives = "TOO_MANY_DIRECTIVES";
    public const string TooManyArguments = "TOO_MANY_ARGUMENTS";
    public const string TooManyVariables = "TOO_MANY_VARIABLES";
    public const string TooManyFragments = "TOO_MANY_FRAGMENTS";
    public const string TooManyInputValues = "TOO_MANY_INPUT_VALUES";
    public const string NumberTooLong = "NUMBER_TOO_LONG";

    /// <summary>Longest number literal in a document, as for numbers in JSON variables (RequestJson).</summary>
    public const int MaxNumberLength = 100;
    public const string IntrospectionTooDeep = "INTROSPECTION_TOO_DEEP";
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

        var shape = options.RequestServices?.GetService<DocumentShape>();
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

            if (Check(DocumentCounts.Of(document), limits) is { } refusal)
            {
                return refusal;
            }

            if (shape?.FindIntrospectionOverflow(document, limits.MaxIntrospectionListRecursion, limits.MaxIntrospectionOfTypeDepth) is { } field)
            {
                return Refuse(IntrospectionTooDeep, field == "ofType"
                    ? $"The introspection query nests __Type.ofType more than {limits.MaxIntrospectionOfTypeDepth} deep on one path (fragments followed); the IDE's query needs 9. Depth limit: Gateway:Limits:MaxIntrospectionOfTypeDepth."
                    : $"The introspection query asks __Type.{field} inside __Type.{field} (more than {limits.MaxIntrospectionListRecursion} on one path, fragments followed); its answer grows exponentially. Ask each type's {field} once, from __schema.types or __type(name:).");
            }
        }

        // Depends on the variables, so checked for a cached document too. One budget for the whole HTTP request:
        // a batch of ten large operations is ten times one. A WebSocket's operations each have their own: the
        // socket is one request that lives for hours.
        var estimate = shape?.EstimateResultFields(document, options.OperationName, options.Variables) ?? 0;
        var spent = options.RequestServices?.GetService<IHttpContextAccessor>()?.HttpContext is { WebSockets.IsWebSocketRequest: false } http
            ? http.Features.Get<ResultFieldsSpent>() ?? Set(http, new ResultFieldsSpent())
            : new ResultFieldsSpent();
        if (spent.Fields + estimate > limits.MaxResultFields)
        {
            var earlier = spent.Fields > 0 ? $" on top of the {spent.Fields:0} of this request's earlier operations" : "";
            return Refuse(ResultTooLarge, $"The answer would have about {Math.Min(estimate, 1e15):0} fields{earlier} (each field times the items of the lists above it); at most {limits.MaxResultFields} are allowed per request. Ask for fewer jobs or fewer fields.");
        }

        spent.Fields += estimate;
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

        static ResultFieldsSpent Set(HttpContext http, ResultFieldsSpent spent)
        {
            http.Features.Set(spent);
            return spent;
        }
    }

    private static ExecutionResult? Check(DocumentCounts counts, DocumentLimitOptions limits)
    {
        if (counts.Fields > limits.MaxFieldNodes)
        {
            return Refuse(TooManyFields, $"The document has more than {limits.MaxFieldNodes} fields (aliases and fragments included); split it into smaller operations.");
        }

        if (counts.Directives > limits.MaxDirectives)
        {
            return Refuse(TooManyDirectives, $"The document has {counts.Directives} directives; at most {limits.MaxDirectives} are allowed.");
        }

        if (counts.Arguments > limits.MaxArguments)
        {
            return Refuse(TooManyArguments, $"The document has {counts.Arguments} arguments (of fields and directives); at most {limits.MaxArguments} are allowed.");
        }

        if (counts.Variables > limits.MaxVariables)
        {
            return Refuse(TooManyVariables, $"The document declares {counts.Variables} variables; at most {limits.MaxVariables} are allowed.");
        }

        if (counts.Fragments > limits.MaxFragments)
        {
            return Refuse(TooManyFragments, $"The document has {counts.Fragments} fragment definitions, spreads and inline fragments; at most {limits.MaxFragments} are allowed.");
        }

        if (counts.LongestNumber > MaxNumberLength)
        {
            // Coercing a 500 000-digit literal (to an ID, an Int) cost seconds of CPU; no real number is that long.
            return Refuse(NumberTooLong, $"The document writes a number of {counts.LongestNumber} characters; at most {MaxNumberLength} are allowed.");
        }

        return counts.InputValues > limits.MaxInputValues
            ? Refuse(TooManyInputValues, $"The document writes {counts.InputValues} values in its arguments and variable defaults (list items and input object fields included); at most {limits.MaxInputValues} are allowed. Pass long lists as variables.")
            : null;
    }

    private static ExecutionResult Refuse(string code, string message) =>
        new() { Errors = [new ExecutionError(message) { Code = code }] };

    /// <summary>Estimated result fields of the HTTP request's operations so far (a request feature).</summary>
    private sealed class ResultFieldsSpent
    {
        public double Fields { get; set; }
    }
}

/// <summary>What validation will have to walk, counted in one pass over the parsed document.</summary>
internal readonly record struct DocumentCounts(int Fields, int Directives, int Arguments, int Variables, int Fragments, int InputValues, int LongestNumber)
{
    public static DocumentCounts Of(GraphQLDocument document)
    {
        int fields = 0, directives = 0, arguments = 0, variables = 0, fragments = 0, values = 0, longestNumber = 0;
        foreach (var definition in document.Definitions)
        {
            switch (definition)
            {
                case GraphQLOperationDefinition operation:
                    foreach (var variable in operation.Variables?.Items ?? [])
                    {
                        variables++;
                        Value(variable.DefaultValue);
                        Directives(variable.Directives);
                    }

                    Directives(operation.Directives);
                    Selections(operation.SelectionSet);
                    break;
                case GraphQLFragmentDefinition fragment:
                    fragments++;
                    Directives(fragment.Directives);
                    Selections(fragment.SelectionSet);
                    break;
            }
        }

        return new DocumentCounts(fields, directives, arguments, variables, fragments, values, longestNumber);

        // Recursion is bounded by the parser's depth limit (GraphQLDocumentBuilder.MaxDepth, 128).
        void Selections(GraphQLSelectionSet? set)
        {
            foreach (var selection in set?.Selections ?? [])
            {
                switch (selection)
                {
                    case GraphQLField field:
                        fields++;
                        Arguments(field.Arguments);
                        Directives(field.Directives);
                        Selections(field.SelectionSet);
                        break;
                    case GraphQLInlineFragment inline:
                        fragments++;
                        Directives(inline.Directives);
                        Selections(inline.SelectionSet);
                        break;
                    case GraphQLFragmentSpread spread:
                        fragments++;
                        Directives(spread.Directives);
                        break;
                }
            }
        }

        void Directives(GraphQLDirectives? list)
        {
            foreach (var directive in list?.Items ?? [])
            {
                directives++;
                Arguments(directive.Arguments);
            }
        }

        void Arguments(GraphQLArguments? list)
        {
            foreach (var argument in list?.Items ?? [])
            {
                arguments++;
                Value(argument.Value);
            }
        }

        void Value(GraphQLValue? value)
        {
            switch (value)
            {
                case null:
                    return;
                case GraphQLListValue list:
                    values++;
                    foreach (var item in list.Values ?? [])
                    {
                        Value(item);
                    }

                    break;
                case GraphQLObjectValue inputObject:
                    values++;
                    foreach (var field in inputObject.Fields ?? [])
                    {
                        Value(field.Value);
                    }

                    break;
                case GraphQLIntValue number:
                    values++;
                    longestNumber = Math.Max(longestNumber, number.Value.Length);
                    break;
                case GraphQLFloatValue number:
                    values++;
                    longestNumber = Math.Max(longestNumber, number.Value.Length);
                    break;
                default:
                    values++;
                    break;
            }
        }
    }
}
