using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.DataSources;
using DrsGraph.Gateway.GraphQLHttp;
using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.Regions;
using GraphQL;
using GraphQL.Transport;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// Start-up warm-up. Its load half (<see cref="WarmUpCopy"/>: <see cref="HealthOptions.WarmUpRequests"/> cold
/// requests through a throwaway copy of the gateway) has run before the host starts. This half runs before
/// the host serves: one in-process run of the load benchmark's 20-job query shape through this replica's own
/// pipeline as an HTTP POST would run it (user context, validation rules, cost limits, telemetry, the
/// executer, the serializer), with no IDs, so it makes no DRS call and touches no cache entry, and proves
/// this replica's pipeline answers. Bounded by <see cref="HealthOptions.WarmUpTimeout"/> (zero skips both
/// halves); a timeout or failure is logged and the gateway starts anyway. <see cref="WarmUpHealthCheck"/>
/// keeps readiness at 503 until it has ended, and reports both halves.
/// </summary>
internal sealed partial class StartupWarmUp(
    IServiceProvider services,
    WarmUpState state,
    IOptions<HealthOptions> options,
    TimeProvider time,
    ILogger<StartupWarmUp> logger) : IHostedService
{
    /// <summary>The selection of <c>bench/run.sh</c>'s <c>cold20</c> and <c>warm20</c> scenarios.</summary>
    internal const string Query = "query WarmUp($ids: [ID!]!) { jobs(ids: $ids) { id status phase isTerminal isFailed progress { percent incrementalDelaySeconds remainingSeconds phases { name percent } } detail { name taskType createdAt source { dbType host port } target { dbType instanceName } } } }";

    /// <summary>The caller the warm-up runs as: a token no real caller has; it reaches neither DRS nor the cache.</summary>
    internal const string Token = "drsgraph-start-up-warm-up";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var timeout = options.Value.WarmUpTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            state.Finish("skipped", TimeSpan.Zero);
            return;
        }

        var started = time.GetTimestamp();
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        string outcome;
        try
        {
            outcome = await RunAsync(linked.Token) ? "completed" : "failed";
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            outcome = "timed out";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Never fatal: the warm-up only makes the first requests faster.
            LogWarmUpException(logger, ex);
            outcome = "failed";
        }

        state.Finish(outcome, time.GetElapsedTime(started));
        LogWarmUp(logger, state.Outcome!, state.Duration.TotalMilliseconds, state.Requests);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = new WarmUpServices(scope.ServiceProvider);
        var executor = provider.GetRequiredService<GraphQLOperationExecutor<JobSchema>>();
        var serializer = provider.GetRequiredService<IGraphQLSerializer>();

        var context = new DefaultHttpContext { RequestServices = provider };
        context.Request.Method = HttpMethods.Post;
        context.Request.Headers["X-Auth-Token"] = Token;
        var request = new GraphQLRequest
        {
            Query = Query,
            OperationName = "WarmUp",
            Variables = new Inputs(new Dictionary<string, object?> { ["ids"] = new List<object?>() }),
        };

        var (result, faulted) = await executor.ExecuteAsync(context, request, GraphQLTransport.HttpPost, context.Request.Headers, provider, cancellationToken);
        await serializer.WriteAsync(Stream.Null, result, cancellationToken);
        if (faulted || result.Errors is { Count: > 0 })
        {
            LogWarmUpErrors(logger, result.Errors?[0].Message);
            return false;
        }

        return true;
    }

    /// <summary>
    /// The warm-up's services: the replica's, except that its caller is always its own <see cref="Token"/>, passed
    /// through (<see cref="HeaderCallerResolver"/>), whatever decides real callers. With service identities on, those
    /// need a JWT the gateway cannot mint, and every start-up warm-up answered "An 'Authorization: Bearer &lt;JWT&gt;'
    /// header is required". Real callers are untouched: this provider exists only for the warm-up's one run, which
    /// makes no DRS call, so whom it would call as does not matter.
    /// It also has no <see cref="PersistedOperations.PersistedOperationResolver"/>: the warm-up sends the gateway's own
    /// text, never an id or a hash, so the resolver could only refuse it, and with
    /// <c>Gateway:PersistedOperations:OnlyTrustedDocuments</c> on every start-up warm-up answered "This gateway runs only
    /// trusted documents". A real caller sending the same text goes through the resolver and is still refused.
    /// </summary>
    private sealed class WarmUpServices(IServiceProvider replica) : IServiceProvider, IKeyedServiceProvider
    {
        private readonly GatewayUserContextBuilder _callers = new(
            new HeaderCallerResolver(replica.GetRequiredService<CallerContextBuilder>()),
            replica.GetRequiredService<JobDataSourceChain>(),
            replica.GetRequiredService<DrsRegionCatalog>());

        public object? GetService(Type serviceType) =>
            serviceType == typeof(IGraphQLUserContextBuilder) ? _callers
            : serviceType == typeof(PersistedOperations.PersistedOperationResolver) ? null
            : replica.GetService(serviceType);

        public object? GetKeyedService(Type serviceType, object? serviceKey) =>
            ((IKeyedServiceProvider)replica).GetKeyedService(serviceType, serviceKey);

        public object GetRequiredKeyedService(Type serviceType, object? serviceKey) =>
            ((IKeyedServiceProvider)replica).GetRequiredKeyedService(serviceType, serviceKey);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Start-up warm-up {Outcome} in {ElapsedMs:F0} ms ({Requests} cold requests through a copy of the gateway before it started)")]
    private static partial void LogWarmUp(ILogger logger, string outcome, double elapsedMs, int requests);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up warm-up answered with an error: {Error}")]
    private static partial void LogWarmUpErrors(ILogger logger, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up warm-up failed; the gateway starts anyway")]
    private static partial void LogWarmUpException(ILogger logger, Exception exception);
}
