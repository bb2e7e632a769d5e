using DrsGraph.Gateway.GraphQLHttp;
using DrsGraph.Gateway.Security;
using DrsGraph.Gateway.Tests.Infrastructure;
using GraphQL;
using GraphQL.DI;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

/// <summary>
/// The test schema behind <see cref="GraphQLHttpExtensions.MapGraphQLEndpoint{TSchema}"/> on real Kestrel
/// (127.0.0.1, port 0), with the content root at the test output folder, where the build put the IDE.
/// Not a <see cref="Infrastructure.GatewayHost"/> on purpose: this is the transport alone (no gateway
/// Program, no DRS, no cache), so its tests pin GraphQL over HTTP without the gateway's schema or limits.
/// </summary>
public sealed class GraphQLHttpTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GraphQLHttpTestHost(WebApplication app, TestProbe probe, LogCapture logs)
    {
        _app = app;
        Probe = probe;
        Logs = logs;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        BaseAddress = new Uri(address);
        Client = new HttpClient { BaseAddress = BaseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public TestProbe Probe { get; }

    /// <summary>Every log entry the endpoint wrote, at every level.</summary>
    public LogCapture Logs { get; }

    /// <param name="settings">GraphQL:Http settings, e.g. <c>("MaxBatchSize", "3")</c>; a key with a colon is a full key (<c>GraphQL:Streaming:...</c>).</param>
    public static Task<GraphQLHttpTestHost> StartAsync(params (string Key, string Value)[] settings) =>
        StartAsync(_ => { }, settings);

    /// <param name="configureGraphQL">More GraphQL.NET configuration, as the gateway's AddGraphQL would add.</param>
    /// <param name="settings">GraphQL:Http settings, e.g. <c>("MaxBatchSize", "3")</c>; a key with a colon is a full key (<c>GraphQL:Streaming:...</c>).</param>
    public static async Task<GraphQLHttpTestHost> StartAsync(Action<IGraphQLBuilder> configureGraphQL, params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Development",
        });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var logs = new LogCapture();
        builder.Logging.AddProvider(logs);
        // Its per-stream shutdown line is Debug (the subscription hub's one line covers them in the gateway): kept, to be counted.
        builder.Logging.AddFilter("DrsGraph.Gateway.GraphQLStreaming.GraphQLEventStreamHandler", LogLevel.Debug);
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(
            s.Key.Contains(':', StringComparison.Ordinal) ? s.Key : $"{GraphQLHttpOptions.SectionName}:{s.Key}", s.Value)));

        var probe = new TestProbe();
        builder.Services.AddSingleton(probe);
        builder.Services.AddSingleton<IGraphQLUserContextBuilder, HeaderUserContextBuilder>();
        builder.Services.AddGraphQL(graphQL => configureGraphQL(graphQL.AddSchema<TestSchema>().AddSystemTextJson()));
        builder.Services.AddGraphQLHttp();
        // The CORS allow-list the WebSocket Origin check reads (Gateway:Security:Cors:AllowedOrigins).
        builder.Services.AddOptions<GatewaySecurityOptions>().BindConfiguration(GatewaySecurityOptions.SectionName);

        var app = builder.Build();
        app.UseWebSockets();
        app.MapGraphQLEndpoint<TestSchema>();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new GraphQLHttpTestHost(app, probe, logs);
    }

    /// <summary>The WebSocket address of the endpoint (<c>ws://127.0.0.1:port/graphql</c>).</summary>
    public Uri WebSocketAddress => new($"ws://{BaseAddress.Authority}/graphql");

    /// <summary>Stops the host the way SIGTERM would (ApplicationStopping first), without disposing it.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// Puts the caller's X-Caller header in the user context; X-Fail makes it throw; counts its calls. A WebSocket
    /// whose X-Caller is <c>refused</c> is refused at connection_init; <c>explode</c> makes that check throw.
    /// </summary>
    private sealed class HeaderUserContextBuilder : IGraphQLUserContextBuilder
    {
        private int _calls;

        public ValueTask<string?> RefuseConnectionAsync(HttpContext context, IHeaderDictionary callerHeaders, CancellationToken cancellationToken) =>
            callerHeaders["X-Caller"] == "explode"
                ? throw new InvalidOperationException("credential store is down: secret internal detail")
                : ValueTask.FromResult(callerHeaders["X-Caller"] == "refused" ? "X-Caller 'refused' is not welcome" : null);

        public ValueTask<IDictionary<string, object?>> BuildUserContextAsync(HttpContext context, IHeaderDictionary callerHeaders, CancellationToken cancellationToken)
        {
            if (callerHeaders.ContainsKey("X-Fail"))
            {
                throw new InvalidOperationException("user context store is down: secret internal detail");
            }

            var call = Interlocked.Increment(ref _calls);
            var caller = callerHeaders["X-Caller"].ToString();
            IDictionary<string, object?> userContext = new Dictionary<string, object?>
            {
                ["caller"] = caller.Length == 0 ? null : $"{caller}#{call}",
            };
            return ValueTask.FromResult(userContext);
        }
    }
}
