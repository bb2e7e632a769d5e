using DrsGraph.Gateway.Browsing;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.DataSources;
using DrsGraph.Gateway.GraphQLHttp;
using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.Health;
using DrsGraph.Gateway.Limits;
using DrsGraph.Gateway.Observability;
using DrsGraph.Gateway.PersistedOperations;
using DrsGraph.Gateway.ResponseCaching;
using DrsGraph.Gateway.Security;
using DrsGraph.Gateway.ServiceIdentity;
using DrsGraph.Gateway.Subscriptions;
using DrsGraph.Gateway.Upstream;

// Docker's HEALTHCHECK runs the binary itself (`--health-probe`): the runtime image has no curl.
if (HealthProbe.IsRequested(args))
{
    Environment.ExitCode = await HealthProbe.RunAsync(HealthProbe.DefaultUrl(), CancellationToken.None);
    return;
}

// SIGTERM, SIGINT and SIGQUIT from here on: before the gateway has started (a rollout overtaking a starting pod),
// validation finishes, the warm-up stops at once, the gateway does not start, and the process logs one line and
// exits with code 0; from the moment its host starts, they stop it gracefully.
using var lifetime = GatewayLifetime.Register();

// The content root is the output folder: appsettings.json and the IDE's files are copied there,
// so the gateway finds them whatever directory it is started from.
// A settings file that is not JSON (a trailing comma, an unclosed object) stops start-up in one line, exit code 1: it is
// read here, before any logger exists, and was an unhandled exception with a stack trace (exit code 134).
if (StartupValidation.TryCreateBuilder(args, out var builder) is { } unreadable)
{
    await Console.Error.WriteLineAsync(unreadable);
    Environment.ExitCode = 1;
    return;
}

lifetime.Use(builder);

// A bad setting (a Drs:Endpoint that is no https URL, a Gateway:RequestTimeout of zero, ...) stops start-up with one
// line naming it, exit code 1. Checked before the replica is composed: composing reads settings.
if (!await StartupValidation.ValidateAsync(builder, Compose))
{
    Environment.ExitCode = 1;
    return;
}

var app = Compose(builder);

// Settings taken otherwise than written (a replica-wide ceiling below the per-caller allowance it must leave room for) or
// risky as written (a default token in front of a real DRS), each said once.
SettingConflicts.Log(app.Services);

// The embedded emulator (no Drs:Endpoint, in Development) binds Gateway:EmbeddedEmulator:Urls now: a port in use stops
// start-up as a bad setting does (one line, exit code 1), before the warm-up spends its seconds.
if (!await EmbeddedEmulator.StartBeforeHostAsync(app, lifetime.Token))
{
    Environment.ExitCode = 1;
    await app.DisposeAsync();
    return;
}

// A new replica's first seconds (Gateway:Health:WarmUpRequests): before it starts, a throwaway copy of it (built by
// Compose, with its own emulator, nothing shared) takes cold load until the JIT has caught up. Neither this nor the
// validation above touches the replica itself: that would start its telemetry, which must not count the copies.
await WarmUpCopy.RunAsync(app, Compose, lifetime);

// Runs until stopped, unless a stop signal came first. An address of its own it cannot bind (a port in use, a port
// below 1024 without privileges) stops it with one line naming the address and its setting, exit code 1.
if (!await lifetime.RunAsync(app))
{
    Environment.ExitCode = 1;
}

// The gateway: its services, then its request pipeline. Also builds the start-up warm-up's copy.
static WebApplication Compose(WebApplicationBuilder builder)
{
    // DRS: the typed, resilient client; without Drs:Endpoint, an emulator hosted in this process. More regions in
    // Drs:Regions, each with its own pipeline and circuit breaker (X-Drs-Region, or a root field's region argument).
    builder.AddDrsUpstream();

    // The Job schema, its batching DataLoaders and the caller context (X-Auth-Token, X-Project-Id, X-Language).
    builder.AddJobGraph();

    // Service identities (Gateway:ServiceIdentity, off by default): callers present a JWT, the gateway calls DRS with
    // an IAM token or AK/SK signature it holds per project; without it callers' own X-Auth-Token is passed through.
    builder.AddServiceIdentity();

    // Browsing jobs: filter, sort and page them with HotChocolate.Data's conventions (Gateway:Browse).
    builder.AddJobBrowsing();

    // Where the DataLoaders get jobs, composed in one place: request budget -> job cache -> DRS.
    builder.AddJobDataSourceChain();

    // Live job updates (the jobUpdates subscription): one shared DRS poller per cache scope, however many
    // subscribers watch its jobs, so watching costs DRS about one batch call per tick instead of one per tab.
    builder.AddJobSubscriptions();

    // A tenant-safe cache in front of DRS (memory, plus Redis when ConnectionStrings:Redis is set): polling
    // frontends would otherwise cost three DRS calls per poll and get throttled.
    builder.AddJobCache();

    // GraphQL over HTTP: POST/GET /graphql, Banana Cake Pop for browsers, the SDL at /graphql?sdl; subscriptions
    // (and queries) over WebSocket (graphql-transport-ws) and SSE on the same path, limits in GraphQL:Streaming.
    builder.Services.AddGraphQLHttp();

    // Persisted operations (Gateway:PersistedOperations): Apollo-style automatic persisted queries (memory, plus Redis
    // when set, shared by replicas) and trusted documents by id, optionally the only operations allowed.
    builder.AddPersistedOperations();

    // Query limits (Gateway:Limits): document size, job references, depth, answer size; refused before anything runs.
    builder.AddQueryLimits();

    // Security: introspection switch, CORS allow-list, rate limits per caller and per client address on /graphql (Gateway:Security).
    builder.AddGatewaySecurity();

    // The answer cache: a repeated query whose jobs are all still fresh in memory is answered with the bytes it was
    // answered with, inside the limits and the rate limiter's charge (Gateway:Cache:MaxResponseMegabytes).
    builder.AddResponseCache();

    // Every request answers within Gateway:RequestTimeout: DRS fields still pending then get UPSTREAM_TIMEOUT.
    builder.AddRequestBudget();

    // Operations: OpenTelemetry traces and metrics (Prometheus at /metrics, OTLP when OTEL_EXPORTER_OTLP_ENDPOINT
    // is set) and JSON-switchable logs, so replicas can be watched and paged on like any ASP.NET Core service.
    builder.AddObservability();

    // Operations: /health/live and /health/ready (Redis, DRS circuit) for load balancers and Kubernetes, and a
    // shutdown timeout that lets in-flight requests drain.
    builder.AddGatewayHealth();

    var app = builder.Build();

    // Counts requests in flight, so a shutdown whose drain runs out says how many it reset.
    app.UseShutdownDrain();

    // The client address from trusted proxies, nosniff on every response, CORS, then the rate limiter: before any work is done for a request.
    app.UseGatewaySecurity();

    // Starts each request's budget clock as it arrives.
    app.UseRequestBudget();

    // WebSocket upgrades (graphql-transport-ws on /graphql), after the limiter so each upgrade costs a permit.
    app.UseWebSockets();

    app.MapGatewayHealth();
    app.MapObservability();

    app.MapGraphQLEndpoint<JobSchema>("/graphql");

    return app;
}
