using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.Observability;
using DrsGraph.Gateway.PersistedOperations;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQL.Validation;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>How an operation arrived; decides which operation types it may run.</summary>
internal enum GraphQLTransport
{
    /// <summary>POST with a JSON answer: queries and mutations.</summary>
    HttpPost,

    /// <summary>GET with a JSON answer: queries only (a mutation is 405, a subscription needs a stream).</summary>
    HttpGet,

    /// <summary>POST with <c>Accept: text/event-stream</c>: everything.</summary>
    EventStreamPost,

    /// <summary>GET with <c>Accept: text/event-stream</c>: queries and subscriptions.</summary>
    EventStreamGet,

    /// <summary>A <c>subscribe</c> message on a graphql-transport-ws socket: everything.</summary>
    WebSocket,
}

/// <summary>
/// One GraphQL operation through the gateway's pipeline, whatever the transport: the user context from the
/// caller's headers, the transport's validation rules, then the executer with every hook AddGraphQL configured
/// (document limits, cost, telemetry). What escapes the executer becomes the operation's error.
/// </summary>
internal sealed partial class GraphQLOperationExecutor<TSchema>(
    IDocumentExecuter<TSchema> executer,
    IOptions<GraphQLHttpOptions> options,
    ILogger<GraphQLOperationExecutor<TSchema>> logger)
    where TSchema : ISchema
{
    private static readonly IValidationRule[] GetRules = [.. DocumentValidator.CoreRules, HttpGetQueriesOnlyRule.Instance, SubscriptionsNeedStreamRule.Instance];
    private static readonly IValidationRule[] GetCachedRules = [HttpGetQueriesOnlyRule.Instance, SubscriptionsNeedStreamRule.Instance];
    private static readonly IValidationRule[] PostRules = [.. DocumentValidator.CoreRules, SubscriptionsNeedStreamRule.Instance];
    private static readonly IValidationRule[] PostCachedRules = [SubscriptionsNeedStreamRule.Instance];
    private static readonly IValidationRule[] EventStreamGetRules = [.. DocumentValidator.CoreRules, HttpGetQueriesOnlyRule.Instance, SubscriptionRootNotConditionalRule.Instance];
    private static readonly IValidationRule[] EventStreamGetCachedRules = [HttpGetQueriesOnlyRule.Instance, SubscriptionRootNotConditionalRule.Instance];
    private static readonly IValidationRule[] StreamRules = [.. DocumentValidator.CoreRules, SubscriptionRootNotConditionalRule.Instance];
    private static readonly IValidationRule[] StreamCachedRules = [SubscriptionRootNotConditionalRule.Instance];

    /// <summary>
    /// Runs <paramref name="request"/> for the caller of <paramref name="callerHeaders"/>. <paramref name="context"/> is
    /// the request, or a WebSocket's upgrade request; <paramref name="services"/> the request's, or a scope of the
    /// operation's own on a socket. Returns the result (with <see cref="ExecutionResult.Streams"/> for a
    /// subscription) and whether it failed outside the executer.
    /// </summary>
    public async Task<(ExecutionResult Result, bool Faulted)> ExecuteAsync(
        HttpContext context,
        GraphQLRequest request,
        GraphQLTransport transport,
        IHeaderDictionary callerHeaders,
        IServiceProvider services,
        CancellationToken cancellationToken)
    {
        try
        {
            // Persisted operations: the one hook where every transport's request gets its document text
            // (a trusted document by id, an automatic persisted query by hash) or its refusal.
            PersistedRegistration? registration = null;
            var persisted = services.GetService<PersistedOperationResolver>();
            if (persisted is not null)
            {
                var resolution = await persisted.ResolveAsync(context, request, cancellationToken);
                if (resolution.Error is { } refusal)
                {
                    return (new ExecutionResult { Errors = [refusal] }, false);
                }

                request = resolution.Request!;
                registration = resolution.Registration;
            }

            var userContextBuilder = services.GetService<IGraphQLUserContextBuilder>();
            var userContext = userContextBuilder is null
                ? new Dictionary<string, object?>()
                : await userContextBuilder.BuildUserContextAsync(context, callerHeaders, cancellationToken);

            var executionOptions = new ExecutionOptions
            {
                Query = request.Query,
                OperationName = request.OperationName,
                Variables = request.Variables,
                Extensions = request.Extensions,
                RequestServices = services,
                UserContext = userContext,
                CancellationToken = cancellationToken,
            };

            // AddGraphQL's own rules (complexity, ...) are appended to these by ConfigureExecutionOptions.
            // A cached document (DocumentLimits) runs only the cached rules, so each list has its twin.
            (executionOptions.ValidationRules, executionOptions.CachedDocumentValidationRules) = transport switch
            {
                GraphQLTransport.HttpGet => (GetRules, GetCachedRules),
                GraphQLTransport.HttpPost => (PostRules, PostCachedRules),
                GraphQLTransport.EventStreamGet => (EventStreamGetRules, EventStreamGetCachedRules),
                // WebSocket and SSE over POST: where subscriptions run.
                _ => (StreamRules, StreamCachedRules),
            };

            var result = await executer.ExecuteAsync(executionOptions);
            LogIfUnparsed(result);
            if (registration is not null && result.Executed)
            {
                // Executed: it parsed and validated (field errors, a job not found, are answers, and still register).
                await persisted!.RegisterAsync(context, registration, cancellationToken);
            }

            return (result, false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // Whatever escaped the executer (user context, configuration, ThrowOnUnhandledException)
            // becomes this operation's GraphQL error; other entries of a batch still run.
            LogExecutionFailed(logger, ex, request.OperationName is { } name ? CallerText.Excerpt(name, 100) : null);
            var message = options.Value.ExposeExceptionDetails
                ? $"The request could not be executed: {ex.GetType().Name}: {ex.Message}"
                : "The request could not be executed because of an internal error.";
            return (new ExecutionResult { Errors = [new ExecutionError(message) { Code = GatewayErrorCodes.InternalError }] }, true);
        }
    }

    /// <summary>
    /// A document that does not parse leaves the executer's hooks as an exception, which GraphQL.NET turns into the
    /// result only outside them: the operation telemetry's one line per operation with errors never sees it, so the
    /// line is written here (code and location only: the document is the caller's and can be large).
    /// </summary>
    private void LogIfUnparsed(ExecutionResult result)
    {
        if (!result.Executed && result.Errors?.FirstOrDefault(e => e is GraphQL.Execution.SyntaxError) is { } syntax)
        {
            var at = syntax.Locations is [var first, ..] ? $"line {first.Line}, column {first.Column}" : "unknown position";
            LogSyntaxError(logger, syntax.Code, at);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a GraphQL document that does not parse ({Code}) at {Position}")]
    private static partial void LogSyntaxError(ILogger logger, string? code, string position);

    [LoggerMessage(Level = LogLevel.Error, Message = "GraphQL operation '{OperationName}' failed outside the executer")]
    private static partial void LogExecutionFailed(ILogger logger, Exception exception, string? operationName);
}
