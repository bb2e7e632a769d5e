using System.Net.Http.Headers;
using DrsGraph.DrsClient.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Telemetry;

namespace DrsGraph.DrsClient;

/// <summary>Registers the typed DRS client with its options, endpoint and resilience.</summary>
public static class DrsClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IDrsClient"/>: options from <c>Drs</c> (validated at start-up), the base address
    /// from <see cref="IDrsEndpointProvider"/> (default: <c>Drs:Endpoint</c>), and the standard
    /// resilience handler tuned by <see cref="DrsResilienceDefaults"/> and <c>Drs:Resilience</c>.
    /// </summary>
    /// <returns>The HTTP client builder, so a host can add handlers (e.g. test interception).</returns>
    public static IHttpClientBuilder AddDrsClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<DrsClientOptions>()
            .BindConfiguration(DrsClientOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // TryAdd: a host that provides its own upstream (the gateway's embedded emulator) registers first.
        services.TryAddSingleton<IDrsEndpointProvider, ConfiguredDrsEndpointProvider>();
        services.TryAddSingleton(sp => new DrsCircuitGate(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddTransient<DrsResponseBuffer>();

        var builder = services
            .AddHttpClient<IDrsClient, DrsClient>()
            .ConfigureHttpClient(static (sp, client) =>
            {
                // Resolved per client, so an endpoint known only after start-up (a port-0 emulator) works.
                client.BaseAddress = DrsClient.WithTrailingSlash(sp.GetRequiredService<IDrsEndpointProvider>().BaseAddress);
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            })
            // Never follow a redirect: HttpClient would send the caller's X-Auth-Token to wherever it points.
            // A 3xx is answered as a protocol error instead (DrsResponseReader).
            .ConfigurePrimaryHttpMessageHandler(static (handler, _) =>
            {
                switch (handler)
                {
                    case SocketsHttpHandler sockets:
                        sockets.AllowAutoRedirect = false;
                        // HTTPS_PROXY is honoured; HTTP_PROXY never sees a token in clear (HttpsOnlyProxy).
                        sockets.Proxy = HttpsOnlyProxy.FromEnvironment();
                        // The caller's trace goes on to DRS; its baggage (free text) does not.
                        sockets.ActivityHeadersPropagator = TraceContextOnly.Instance;
                        break;
                    case HttpClientHandler client:
                        client.AllowAutoRedirect = false;
                        client.Proxy = HttpsOnlyProxy.FromEnvironment();
                        break;
                }
            })
            // The token must never reach a log, whatever level the host turns on. The factory's request logging is off
            // altogether: redacting its headers changes only the formatted text, and its structured state (which an
            // OTLP log exporter sends) still held every header's value. The client logs what it needs (DrsClientLog).
            .RemoveAllLoggers();

        var resilience = builder.AddStandardResilienceHandler();
        var pipelineName = resilience.PipelineName;
        // One pipeline instance, and so one circuit breaker, per DRS endpoint (scheme, host and port): each region's
        // outage opens its own circuit and never another region's. The default region's calls use the base address.
        resilience.SelectPipelineByAuthority();
        resilience.Configure(static (options, sp) =>
        {
            DrsResilienceDefaults.Apply(options);
            sp.GetRequiredService<IConfiguration>().GetSection(DrsResilienceDefaults.SectionName).Bind(options);
            DrsResilienceDefaults.GiveUpOnLongRetryAfter(options, sp.GetService<TimeProvider>() ?? TimeProvider.System);
            DrsResilienceDefaults.BreakOnlyOnDrsFailures(options);
            LogRetriedAttempts(options.Retry, sp.GetRequiredService<ILoggerFactory>().CreateLogger<DrsClient>());
        });

        // A bad Drs:Resilience section should stop the host at start, not fail the first query.
        services.AddOptions<HttpStandardResilienceOptions>(pipelineName)
            .PostConfigure<DrsCircuitGate>(static (options, gate) => gate.Observe(options))
            .ValidateOnStart();

        // Polly reports every retry, attempt and timeout at Warning or Error, each with the exception's stack trace;
        // the client logs each handled fault once itself (DrsClientLog). Polly's own log lines are off; its metrics
        // stay as Polly makes them (lowering its events' severity, as before, also changed their event_severity tag,
        // which dashboards filter on).
        services.Configure<TelemetryOptions>(static telemetry => telemetry.LoggerFactory = NullLoggerFactory.Instance);

        // Inside the resilience handler: each attempt is signed (or given the held IAM token) afresh.
        services.TryAddTransient<DrsCredentialHandler>();
        builder.AddHttpMessageHandler<DrsCredentialHandler>();

        // Innermost, inside the resilience handler: the attempt timeout covers reading the body.
        builder.AddHttpMessageHandler<DrsResponseBuffer>();

        return builder;
    }

    /// <summary>One line per attempt that is retried; the call's final failure is logged by <see cref="DrsClient"/>.</summary>
    private static void LogRetriedAttempts(HttpRetryStrategyOptions retry, ILogger logger)
    {
        var onRetry = retry.OnRetry;
        retry.OnRetry = args =>
        {
            var request = args.Context.GetRequestMessage();
            if (request is not null && request.Options.TryGetValue(DrsClient.AttemptsKey, out var attempts))
            {
                attempts.Retries++;
            }

            if (!logger.IsEnabled(LogLevel.Information))
            {
                return onRetry?.Invoke(args) ?? ValueTask.CompletedTask;
            }

            var response = args.Outcome.Result;
            var requestId = PrintableText.PrintableOrNull(response?.Headers.TryGetValues("X-Request-Id", out var values) == true ? values.FirstOrDefault() : null, PrintableText.MaxTokenLength);
            var outcome = args.Outcome.Exception is { } exception ? DrsClientLog.Describe(exception) : $"HTTP {(int?)response?.StatusCode}";
            var endpoint = EndpointOf(request);
            var status = (int?)response?.StatusCode;
            // The host says which region's DRS it was (an operator's endpoint, never a caller's secret: no query is allowed in it).
            DrsClientLog.AttemptFailed(logger, endpoint, args.AttemptNumber + 1, request?.RequestUri?.Authority ?? "-", outcome, status, requestId,
                args.Duration.TotalMilliseconds, args.RetryDelay.TotalMilliseconds);
            return onRetry?.Invoke(args) ?? ValueTask.CompletedTask;
        };
    }

    // The last path segment (batch-status, ...): the URL's project ID is in the call's own log line.
    private static string EndpointOf(HttpRequestMessage? request) =>
        request?.RequestUri is { } uri ? uri.Segments[^1] : "(unknown)";
}
