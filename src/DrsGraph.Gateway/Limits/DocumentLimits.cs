using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.ResponseCaching;
using GraphQL;
using GraphQL.Execution;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// Parses the query once, refuses documents over <see cref="QueryLimitOptions"/> with a clear error, and
/// hands the parsed document on so the executer does not parse it again. Every count here is one linear walk
/// of the parsed document, done before GraphQL.NET's validation, whose rules are the costly part on hostile
/// documents (quadratic in repeated fields, directives, ...).
/// </summary>
public static class DocumentLimits
{
    /// <summary>Longest number literal in a document, as for numbers in JSON variables (RequestJson).</summary>
    public const int MaxNumberLength = 100;

    /// <summary>Validation errors answered for one operation; more are counted in one last error.</summary>
    public const int MaxValidationErrors = 100;

    public static async Task<ExecutionResult> EnforceAsync(
        ExecutionOptions options, Func<ExecutionOptions, Task<ExecutionResult>> next, QueryLimitOptions limits, ValidatedDocumentCache? cache)
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
                return Refuse(GatewayErrorCodes.DocumentTooDeep, "The document exceeds the parser's maximum depth (128 nested levels); no query of this schema needs more than 15.");
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
                return Refuse(GatewayErrorCodes.SyntaxError, "The query is not valid GraphQL (syntax error).");
            }

            if (Check(DocumentCounts.Of(document), limits) is { } refusal)
            {
                return refusal;
            }

            if (VariableReach.Of(document, limits.MaxInputValues) is var reach && reach > limits.MaxInputValues)
            {
                return Refuse(GatewayErrorCodes.TooManyInputValues, $"The document's operations use variables more than {limits.MaxInputValues} times, a fragment's once for every operation that spreads it (validation checks them per operation); at most {limits.MaxInputValues} are allowed (Gateway:Limits:MaxInputValues). Spread a fragment with many variables into fewer operations.");
            }

            if (UnusedFragments.Refusal(document, query) is { } unused)
            {
                return Bounded(unused);
            }

            // Linear, and ahead of validation, whose merge check compares same-named fields pair by pair (fragments
            // followed) and reports each conflicting pair: 1200 fields cost 23 s and 360 000 errors. It also compares
            // every fragment spread into a selection set with its fields and every pair of them: 499 fragments in one set cost 0.6 s.
            var counts = SameNameFields.Of(document, shape, limits.MaxResultFields, limits.MaxFragmentComparisons);
            if (counts.OverBudget)
            {
                return Refuse(GatewayErrorCodes.ResultTooLarge, $"With its fragments expanded the document has more than {limits.MaxResultFields} fields, more than its answer may hold (Gateway:Limits:MaxResultFields).");
            }

            if (counts.TooManyFragmentComparisons)
            {
                return Refuse(GatewayErrorCodes.TooManyMergedFragments, $"The document spreads so many fragments into the same selection sets that validation would make more than {limits.MaxFragmentComparisons} comparisons of them (k fragments spread side by side make k + k(k-1)/2, the fragments they spread included; Gateway:Limits:MaxFragmentComparisons). Spread fewer fragments into one selection set.");
            }

            if (counts.CopyPairs > limits.MaxIdenticalLeafPairs)
            {
                return Refuse(GatewayErrorCodes.TooManySameNameFields, $"The document repeats the same fields so often that validation would compare {counts.CopyPairs} pairs of identical copies (n copies under one name make n(n-1)/2; '{counts.CopiesPath}' alone has {counts.MostCopies}); at most {limits.MaxIdenticalLeafPairs} are allowed (Gateway:Limits:MaxIdenticalLeafPairs). Ask each field once.");
            }

            if (counts.Most > limits.MaxFieldsPerResponseName)
            {
                return Refuse(GatewayErrorCodes.TooManySameNameFields, $"{counts.Most} fields answer under the one name '{counts.Path}' (fragments and same-named parents merged); at most {limits.MaxFieldsPerResponseName} may share a response name. Give them different aliases, or ask each field once.");
            }

            if (counts.Pairs > limits.MaxSameNameFieldPairs)
            {
                // Each conflicting pair is one error, and each error's location costs a scan of the query text.
                return Refuse(GatewayErrorCodes.TooManySameNameFields, $"The document has {counts.Pairs} pairs of fields sharing a response name (fragments and same-named parents merged); validation compares each pair, and at most {limits.MaxSameNameFieldPairs} are allowed. Give repeated fields different aliases, or ask each field once.");
            }

            if (shape?.FindIntrospectionOverflow(document, limits.MaxIntrospectionListRecursion, limits.MaxIntrospectionOfTypeDepth) is { } field)
            {
                return Refuse(GatewayErrorCodes.IntrospectionTooDeep, field == "ofType"
                    ? $"The introspection query nests __Type.ofType more than {limits.MaxIntrospectionOfTypeDepth} deep on one path (fragments followed); the IDE's query needs 9. Depth limit: Gateway:Limits:MaxIntrospectionOfTypeDepth."
                    : $"The introspection query asks __Type.{field} inside __Type.{field} (more than {limits.MaxIntrospectionListRecursion} on one path, fragments followed); its answer grows exponentially. Ask each type's {field} once, from __schema.types or __type(name:).");
            }
        }

        // Depends on the variables, so checked for a cached document too. One budget for the whole HTTP request:
        // a batch of ten large operations is ten times one. A WebSocket's operations each have their own: the
        // socket is one request that lives for hours.
        var http = options.RequestServices?.GetService<IHttpContextAccessor>()?.HttpContext;
        double Estimate() => shape?.EstimateResultFields(document, options.OperationName, options.Variables) ?? 0;
        // A request the answer cache has kept an answer for was measured then: same document, operation and variables.
        var estimate = http?.Features.Get<ResponseCacheRequest>() is { } caching ? caching.ResultFieldsOf(options.Query, Estimate) : Estimate();
        var spent = http is { WebSockets.IsWebSocketRequest: false }
            ? http.Features.Get<ResultFieldsSpent>() ?? Set(http, new ResultFieldsSpent())
            : new ResultFieldsSpent();
        if (spent.Fields + estimate > limits.MaxResultFields)
        {
            var earlier = spent.Fields > 0 ? $" on top of the {spent.Fields:0} of this request's earlier operations" : "";
            return Refuse(GatewayErrorCodes.ResultTooLarge, $"The answer would have about {Math.Min(estimate, 1e15):0} fields{earlier} (each field times the items of the lists above it); at most {limits.MaxResultFields} are allowed per request. Ask for fewer jobs or fewer fields.");
        }

        spent.Fields += estimate;
        // Held until the operation has executed: large operations take turns (ResultFieldsInFlight).
        using var room = await TakeRoomAsync(options, http, estimate);
        if (room is null)
        {
            return Refuse(GatewayErrorCodes.ServerBusy, $"The gateway is executing other large operations; this one (about {Math.Min(estimate, 1e15):0} answer fields) did not get its turn in time. Retry later, or ask for fewer jobs or fields.");
        }

        options.Document = document;
        if (known is not null)
        {
            // Parsed, counted and fully validated before: only the rules that depend on the request run again.
            options.ValidationRules = options.CachedDocumentValidationRules ?? [];
            return await next(options);
        }

        var locations = ValidationLocations.Defer(document, options);
        ExecutionResult result;
        try
        {
            result = Bounded(await next(options));
        }
        finally
        {
            locations.Restore();
        }

        if (!result.Executed && result.Errors is { } errors)
        {
            locations.Locate(errors);
        }

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

    /// <summary>
    /// At most <see cref="MaxValidationErrors"/> validation errors, then one saying how many there were (as
    /// graphql-js stops at 100): the limits above bound the work, this bounds the answer a client must read.
    /// </summary>
    private static ExecutionResult Bounded(ExecutionResult result)
    {
        if (result.Executed || result.Errors is not { Count: > MaxValidationErrors } errors)
        {
            return result;
        }

        var kept = new ExecutionErrors();
        foreach (var error in errors.Take(MaxValidationErrors))
        {
            kept.Add(error);
        }

        kept.Add(new ExecutionError($"Too many validation errors: the first {MaxValidationErrors} of {errors.Count} are shown.") { Code = GatewayErrorCodes.TooManyValidationErrors });
        result.Errors = kept;
        return result;
    }

    private static ExecutionResult? Check(DocumentCounts counts, QueryLimitOptions limits)
    {
        if (counts.Fields > limits.MaxFieldNodes)
        {
            return Refuse(GatewayErrorCodes.TooManyFields, $"The document has more than {limits.MaxFieldNodes} fields (aliases and fragments included); split it into smaller operations.");
        }

        if (counts.Directives > limits.MaxDirectives)
        {
            return Refuse(GatewayErrorCodes.TooManyDirectives, $"The document has {counts.Directives} directives; at most {limits.MaxDirectives} are allowed.");
        }

        if (counts.Arguments > limits.MaxArguments)
        {
            return Refuse(GatewayErrorCodes.TooManyArguments, $"The document has {counts.Arguments} arguments (of fields and directives); at most {limits.MaxArguments} are allowed.");
        }

        if (counts.Variables > limits.MaxVariables)
        {
            return Refuse(GatewayErrorCodes.TooManyVariables, $"The document declares {counts.Variables} variables; at most {limits.MaxVariables} are allowed.");
        }

        if (counts.Fragments > limits.MaxFragments)
        {
            return Refuse(GatewayErrorCodes.TooManyFragments, $"The document has {counts.Fragments} fragment definitions, spreads and inline fragments; at most {limits.MaxFragments} are allowed.");
        }

        if (counts.LongestNumber > MaxNumberLength)
        {
            // Coercing a 500 000-digit literal (to an ID, an Int) cost seconds of CPU; no real number is that long.
            return Refuse(GatewayErrorCodes.NumberTooLong, $"The document writes a number of {counts.LongestNumber} characters; at most {MaxNumberLength} are allowed.");
        }

        return counts.InputValues > limits.MaxInputValues
            ? Refuse(GatewayErrorCodes.TooManyInputValues, $"The document writes {counts.InputValues} values in its arguments and variable defaults (list items and input object fields included); at most {limits.MaxInputValues} are allowed. Pass long lists as variables.")
            : null;
    }

    // A WebSocket's operation has no request budget: it waits as long as a request may by default.
    private static readonly TimeSpan WaitWithoutBudget = TimeSpan.FromSeconds(10);

    private static async ValueTask<IDisposable?> TakeRoomAsync(ExecutionOptions options, HttpContext? http, double estimate)
    {
        if (options.RequestServices?.GetService<ResultFieldsInFlight>() is not { } inFlight)
        {
            return NoRoomNeeded.Instance;
        }

        // Almost always room at once: no linked token, no wait.
        if (inFlight.TryAcquire(estimate) is { } room)
        {
            return room;
        }

        var budget = http?.Features.Get<RequestBudget>();
        using var linked = budget is null ? null : CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, budget.Expired);
        try
        {
            return await inFlight.AcquireAsync(estimate, budget?.Budget ?? WaitWithoutBudget, linked?.Token ?? options.CancellationToken);
        }
        catch (OperationCanceledException) when (!options.CancellationToken.IsCancellationRequested)
        {
            // The request's budget ran out while it waited.
            inFlight.LogRefused((long)Math.Ceiling(estimate), budget?.Budget ?? WaitWithoutBudget);
            return null;
        }
    }

    private static ExecutionResult Refuse(string code, string message) =>
        new() { Errors = [new ExecutionError(message) { Code = code }] };

    private sealed class NoRoomNeeded : IDisposable
    {
        public static readonly NoRoomNeeded Instance = new();

        public void Dispose()
        {
        }
    }

    /// <summary>Estimated result fields of the HTTP request's operations so far (a request feature).</summary>
    private sealed class ResultFieldsSpent
    {
        public double Fields { get; set; }
    }
}
