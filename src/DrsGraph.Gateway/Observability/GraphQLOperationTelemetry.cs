using System.Diagnostics;
using DrsGraph.Gateway.Errors;
using GraphQL;
using GraphQL.DI;
using GraphQLParser.AST;

namespace DrsGraph.Gateway.Observability;

/// <summary>
/// Wraps every GraphQL execution in a <c>DrsGraph.GraphQL</c> span (operation name and type, error
/// count) and records its duration. The document itself is not recorded: it can be large, and
/// variables would carry whatever callers put in them.
/// </summary>
public sealed class GraphQLOperationTelemetry(TimeProvider timeProvider, ILogger<GraphQLOperationTelemetry> logger) : IConfigureExecution
{
    // Enough to open support tickets with DRS; an operation over 500 IDs could otherwise log 500.
    private const int MaxLoggedRequestIds = 10;

    // A client can cause errors at will (deleted jobs asked for at request rate: helper B's churn wrote 71 MB of these
    // lines in 26 minutes): ten lines a second at most, each saying how many were not logged; the operation histogram's
    // graphql.errors tag still counts every one.
    private readonly LineBudget _errorLines = new(10);

    /// <summary>Runs before every other execution hook, so the span covers them too.</summary>
    public float SortOrder => float.MinValue;

    public async Task<ExecutionResult> ExecuteAsync(ExecutionOptions options, ExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(next);

        // The operation is only known once the document is parsed, so the span is named afterwards.
        using var activity = GatewayTelemetry.GraphQLSource.StartActivity("GraphQL operation");
        var started = timeProvider.GetTimestamp();
        ExecutionResult result;
        try
        {
            result = await next(options);
        }
        catch (Exception exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            throw;
        }

        var type = result.Operation?.Operation switch
        {
            OperationType.Query => "query",
            OperationType.Mutation => "mutation",
            OperationType.Subscription => "subscription",
            _ => "unknown",
        };
        var errors = result.Errors?.Count ?? 0;
        GatewayTelemetry.OperationDuration.Record(
            timeProvider.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("graphql.operation.type", type),
            new KeyValuePair<string, object?>("graphql.errors", errors > 0));

        if (activity is not null)
        {
            var name = OperationName(result);
            activity.DisplayName = name is null ? type : $"{type} {name}";
            activity.SetTag("graphql.operation.type", type);
            activity.SetTag("graphql.operation.name", name);
            activity.SetTag("graphql.errors", errors);

            // Field errors (a job not found) are answers; a request that did not execute is a failure.
            if (!result.Executed)
            {
                activity.SetStatus(ActivityStatusCode.Error, "The request was not executed.");
            }
        }

        // One line per operation with errors, carrying DRS's request IDs next to the trace ID of the log scope.
        // Not for a refusal logged where it was made (the rate limiter's): one line per fault.
        if (errors > 0 && logger.IsEnabled(LogLevel.Information) && !result.Errors!.All(static error => error is LoggedExecutionError)
            && _errorLines.TryTake(out var unlogged))
        {
            var codes = ErrorCodes(result);
            var requestIds = DrsRequestIds(result);
            var name = OperationName(result) ?? "(anonymous)";
            ObservabilityLog.OperationErrors(logger, type, name, errors, codes, requestIds, unlogged);
        }

        return result;
    }

    // A GraphQL name has no control characters, but it has no length limit either: a megabyte-long one went whole into
    // every log line and span of its operation.
    private static string? OperationName(ExecutionResult result) =>
        result.Operation?.Name?.StringValue is { } name ? CallerText.Excerpt(name, 100) : null;

    private static string ErrorCodes(ExecutionResult result) =>
        string.Join(',', result.Errors!.Select(error => error.Code ?? "UNKNOWN").Distinct(StringComparer.Ordinal));

    // "none" when no error came from a DRS answer (a refused document, a job ID that is no ID), so the line never
    // ends in a blank that reads like a lost value.
    private static string DrsRequestIds(ExecutionResult result)
    {
        var ids = string.Join(',', result.Errors!
            .Select(error => error.Data["upstreamRequestId"] as string)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Take(MaxLoggedRequestIds));
        return ids.Length == 0 ? "none" : ids;
    }
}
