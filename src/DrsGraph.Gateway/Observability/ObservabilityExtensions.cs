using DrsGraph.DrsClient;
using DrsGraph.Gateway.Health;
using GraphQL.DI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DrsGraph.Gateway.Observability;

public static class ObservabilityExtensions
{
    /// <summary>Where Prometheus scrapes. Fixed: dashboards, compose and Kubernetes annotations rely on it.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The OpenTelemetry variable that switches OTLP export on (standard name, so collectors' docs apply).</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>OpenTelemetry's own switch: "true" turns off every signal (nothing exported, nothing to scrape).</summary>
    public const string SdkDisabledKey = "OTEL_SDK_DISABLED";

    private static readonly string[] OtlpSignalEndpointKeys =
        ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"];

    /// <summary>Meter of the job cache (owned by Caching/); subscribed by name so this file does not depend on it.</summary>
    public const string CacheMeterName = "DrsGraph.Cache";

    /// <summary>Meter of the subscriptions and their pollers (owned by Subscriptions/); subscribed by name too.</summary>
    public const string SubscriptionsMeterName = "DrsGraph.Subscriptions";

    /// <summary>Meter of the persisted operations (owned by PersistedOperations/); subscribed by name too.</summary>
    public const string PersistedOperationsMeterName = "DrsGraph.PersistedOperations";

    /// <summary>Service name on every span and metric unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string DefaultServiceName = "drsgraph-gateway";

    /// <summary>
    /// The console log format's defaults. Also used by start-up validation, which logs a bad setting before the
    /// gateway (and so <see cref="AddObservability"/>) is composed.
    /// </summary>
    public static IServiceCollection AddLogFormat(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        // Logging:Console:FormatterName=json switches to JSON (the standard .NET key). JSON lines then
        // carry their scopes (TraceId, SpanId, RequestPath) by default, so a line leads to its trace and
        // the DRS request IDs on it; Logging:Console:FormatterOptions still overrides these defaults.
        services.AddOptions<JsonConsoleFormatterOptions>()
            .Configure(static options =>
            {
                options.IncludeScopes = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            })
            .BindConfiguration("Logging:Console:FormatterOptions");
        // An unknown formatter name (jsn) silently fell back to plain text, and a log pipeline expecting JSON got none.
        // Checked on options of its own: a validator of the console logger's options would leave no logger to say so.
        services.AddOptions<LogFormatOptions>().BindConfiguration(LogFormatOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LogFormatOptions>, LogFormatValidation>());
        // A timestamp format the runtime cannot apply threw from the first line logged (exit code 134), before any
        // validation could speak: the formatters go without it, so the line that refuses it (LogFormatValidation) is written.
        services.PostConfigure<SimpleConsoleFormatterOptions>(static options => DropUnusableTimestamp(options));
        services.PostConfigure<JsonConsoleFormatterOptions>(static options => DropUnusableTimestamp(options));
        services.PostConfigure<ConsoleFormatterOptions>(static options => DropUnusableTimestamp(options));
        return services;
    }

    private static void DropUnusableTimestamp(ConsoleFormatterOptions options)
    {
        if (options.TimestampFormat is { Length: > 0 } format && !LogFormatValidation.IsTimestampFormat(format))
        {
            options.TimestampFormat = null;
        }
    }

    /// <summary><c>Logging:Console:FormatterName</c>, as start-up validation reads it.</summary>
    internal sealed class LogFormatOptions
    {
        public const string SectionName = "Logging:Console";

        public string? FormatterName { get; set; }

        /// <summary><c>Logging:Console:FormatterOptions</c>: only what start-up checks.</summary>
        public FormatterSettings? FormatterOptions { get; set; }

        internal sealed class FormatterSettings
        {
            public string? TimestampFormat { get; set; }
        }
    }

    /// <summary>Refuses a <c>Logging:Console:FormatterName</c> that names none of the console's formatters.</summary>
    private sealed class LogFormatValidation : IValidateOptions<LogFormatOptions>
    {
        private static readonly string[] Known = [ConsoleFormatterNames.Simple, ConsoleFormatterNames.Json, ConsoleFormatterNames.Systemd];

        public ValidateOptionsResult Validate(string? name, LogFormatOptions options)
        {
            if (!string.IsNullOrWhiteSpace(options.FormatterName) && !Known.Contains(options.FormatterName, StringComparer.OrdinalIgnoreCase))
            {
                return ValidateOptionsResult.Fail(
                    $"{LogFormatOptions.SectionName}:{nameof(LogFormatOptions.FormatterName)} '{options.FormatterName}' is not a console log format: " +
                    $"use {string.Join(", ", Known)} (default simple).");
            }

            // A format the runtime cannot apply threw from the first log line written: an unhandled exception, exit code 134.
            if (options.FormatterOptions?.TimestampFormat is { Length: > 0 } format && !IsTimestampFormat(format))
            {
                return ValidateOptionsResult.Fail(
                    $"{LogFormatOptions.SectionName}:FormatterOptions:TimestampFormat '{CallerText.Excerpt(format, 50)}' is not a .NET date and time format " +
                    "(for example \"yyyy-MM-ddTHH:mm:ss.fffZ\"), or leave it unset.");
            }

            return ValidateOptionsResult.Success;
        }

        internal static bool IsTimestampFormat(string format)
        {
            try
            {
                _ = DateTimeOffset.UtcNow.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }
    }

    /// <summary><c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, as start-up validation reads it.</summary>
    internal sealed class OtlpEndpointOptions
    {
        public const string SectionName = OtlpEndpointKey;

        public string? Endpoint { get; set; }

        /// <summary><c>OTEL_EXPORTER_OTLP_PROTOCOL</c>.</summary>
        public string? Protocol { get; set; }

        /// <summary><c>OTEL_EXPORTER_OTLP_HEADERS</c>.</summary>
        public string? Headers { get; set; }

        /// <summary><c>OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT</c>, by variable name.</summary>
        public List<(string Key, string? Value)> SignalEndpoints { get; } = [];
    }

    /// <summary>
    /// Refuses OTLP settings the exporter cannot use: an endpoint that is no absolute http(s) URL, a protocol it does not
    /// speak (accepted without a word, then nothing exported), headers that are not <c>key=value</c> pairs (the exporter
    /// threw as the gateway started: a stack trace and exit code 134).
    /// </summary>
    private sealed class OtlpEndpointValidation : IValidateOptions<OtlpEndpointOptions>
    {
        private static readonly string[] Protocols = ["grpc", "http/protobuf"];

        public ValidateOptionsResult Validate(string? name, OtlpEndpointOptions options)
        {
            if (!string.IsNullOrWhiteSpace(options.Endpoint) && !ServiceIdentity.ServiceIdentityOptions.IsHttpUrl(options.Endpoint))
            {
                return ValidateOptionsResult.Fail(
                    $"{OtlpEndpointKey} '{CallerText.Excerpt(options.Endpoint, 200)}' {ServiceIdentity.ServiceIdentityOptions.HttpUrlRule} (a collector's " +
                    "credentials go in OTEL_EXPORTER_OTLP_HEADERS): set the collector's address (http://collector:4317 for grpc, " +
                    "http://collector:4318 for http/protobuf), or leave it unset to export nothing.");
            }

            // The per-signal variables override the endpoint for their signal; a bad one dropped that signal without a word.
            foreach (var (key, value) in options.SignalEndpoints)
            {
                if (!string.IsNullOrWhiteSpace(value) && !ServiceIdentity.ServiceIdentityOptions.IsHttpUrl(value))
                {
                    return ValidateOptionsResult.Fail($"{key} '{CallerText.Excerpt(value, 200)}' {ServiceIdentity.ServiceIdentityOptions.HttpUrlRule}, or leave it unset.");
                }

                if (!string.IsNullOrWhiteSpace(value) && string.IsNullOrWhiteSpace(options.Endpoint))
                {
                    return ValidateOptionsResult.Fail($"{key} is set but {OtlpEndpointKey} is not: the gateway exports over OTLP only when {OtlpEndpointKey} is set (the per-signal variables then override it).");
                }
            }

            if (!string.IsNullOrWhiteSpace(options.Protocol) && !Protocols.Contains(options.Protocol.Trim(), StringComparer.Ordinal))
            {
                return ValidateOptionsResult.Fail(
                    $"OTEL_EXPORTER_OTLP_PROTOCOL '{CallerText.Excerpt(options.Protocol, 50)}' is not one the exporter speaks: {string.Join(" or ", Protocols)} (default grpc).");
            }

            // Never quoted: the headers carry the collector's credentials.
            return !AreHeaders(options.Headers)
                ? ValidateOptionsResult.Fail("OTEL_EXPORTER_OTLP_HEADERS is not a comma-separated list of headers, each a name, '=' and its value; its value is not repeated here (it may hold the collector's credentials).")
                : ValidateOptionsResult.Success;
        }
    }

    /// <summary>
    /// OpenTelemetry traces and metrics for the gateway, its DataLoaders, the DRS client and the cache;
    /// Prometheus scraping always, OTLP export (traces, metrics, logs) when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; JSON console logs that carry their trace scope.
    /// </summary>
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<IConfigureExecution, GraphQLOperationTelemetry>();

        AddLogFormat(services);

        // A malformed endpoint (not-a-url, a bare host:port) started the gateway as usual, and the exporter then
        // dropped every trace, metric and log line without a word: refused at start-up instead, in one line.
        services.AddOptions<OtlpEndpointOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
            {
                options.Endpoint = configuration[OtlpEndpointKey];
                options.Protocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"];
                options.Headers = configuration["OTEL_EXPORTER_OTLP_HEADERS"];
                foreach (var key in OtlpSignalEndpointKeys)
                {
                    options.SignalEndpoints.Add((key, configuration[key]));
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OtlpEndpointOptions>, OtlpEndpointValidation>());

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : DefaultServiceName;
        // The deploy files name each replica (gateway-1, the pod's name); without it, the host name (a container's ID).
        var instance = builder.Configuration["OTEL_SERVICE_INSTANCE_ID"] is { Length: > 0 } named ? named : Environment.MachineName;
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: instance))
            .WithMetrics(metrics => metrics
                .AddMeter(GatewayTelemetry.MeterName, DrsClientTelemetry.MeterName)
                // Resilience events (retries, circuit opened) from the DRS client's pipeline.
                .AddMeter("Polly")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                // Scrapes are seconds apart; a cached answer would only hide fresh counts from tests and operators.
                .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));

        // The meters this gateway makes from its own meter factory are enabled for its own factory only (Local): by name
        // alone, OpenTelemetry also counted another gateway's in the same process, and that gateway's end, disposing its
        // meters, ended these counters here too (MeterIsolationTests; tests host many gateways in one process, and a
        // replica's start-up copies are gone before its provider is built). The static meters (gateway, DRS client)
        // are never disposed.
        foreach (var name in new[] { CacheMeterName, SubscriptionsMeterName, PersistedOperationsMeterName })
        {
            builder.Metrics.EnableMetrics(name, scopes: MeterScope.Local);
        }

        if (IsOtlpEnabled(builder.Configuration))
        {
            // Spans are recorded only when something exports them: without an exporter every request still built
            // about a dozen of them, with their tags, for nobody (bench/README.md, 2026-12-06 07:00-08:30). Log lines carry
            // a trace ID either way (ASP.NET Core starts the request's Activity for the log scope), and the caller's
            // traceparent still reaches DRS.
            // Only the W3C trace context goes upstream: the SDK's default propagator also sends the caller's baggage (free
            // text, on calls made with the gateway's own credentials too), and the HTTP client instrumentation uses it,
            // around the DRS client's own TraceContextOnly.
            Sdk.SetDefaultTextMapPropagator(new TraceContextPropagator());
            otel.WithTracing(tracing => tracing
                .AddSource(GatewayTelemetry.GraphQLSourceName, GatewayTelemetry.DataLoaderSourceName, DrsClientTelemetry.SourceName)
                // Probes and scrapes every few seconds per replica would drown the traces that matter.
                // Neither instrumentation records headers, so X-Auth-Token never reaches a span.
                .AddAspNetCoreInstrumentation(options => options.Filter = static http => !IsOperationsPath(http.Request.Path))
                .AddHttpClientInstrumentation());

            // Endpoint, protocol and headers come from the standard OTEL_EXPORTER_OTLP_* variables.
            otel.WithLogging(logging => { }, options =>
            {
                options.IncludeScopes = true;
                options.IncludeFormattedMessage = true;
            });
            otel.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Maps the Prometheus scrape endpoint at <see cref="MetricsPath"/>.</summary>
    public static WebApplication MapObservability(this WebApplication app)
    {
        // Built on the first scrape, not here: building it creates the MeterProvider, which listens from then on, and
        // the start-up warm-up's copy of the gateway (Health/WarmUpCopy) runs after this and must not be counted.
        var scrape = new Lazy<RequestDelegate>(() => ((IEndpointRouteBuilder)app).CreateApplicationBuilder()
            .UseOpenTelemetryPrometheusScrapingEndpoint(static _ => true)
            .Build());
        if (string.Equals(app.Configuration[SdkDisabledKey], "true", StringComparison.OrdinalIgnoreCase))
        {
            // The SDK records nothing: an empty 200 read as a healthy target with no series at all.
            ObservabilityLog.SdkDisabled(app.Logger, MetricsPath);
            app.Map(MetricsPath, static context =>
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return context.Response.WriteAsync("OpenTelemetry is disabled on this replica (OTEL_SDK_DISABLED=true): no metrics.\n");
            }).WithDisplayName("Prometheus metrics scrape endpoint (disabled)");
            return app;
        }

        app.Map(MetricsPath, context => scrape.Value(context)).WithDisplayName("Prometheus metrics scrape endpoint");
        if (IsOtlpEnabled(app.Configuration))
        {
            ObservabilityLog.OtlpEnabled(app.Logger, app.Configuration[OtlpEndpointKey]!, MetricsPath);
        }

        return app;
    }

    // Headers the exporter cannot read leave OTLP off: its logger provider threw while the gateway was being composed,
    // before start-up validation could refuse them in one line (OtlpEndpointValidation).
    private static bool IsOtlpEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]) && AreHeaders(configuration["OTEL_EXPORTER_OTLP_HEADERS"]);

    /// <summary>Comma-separated <c>key=value</c> pairs, or nothing, as the OTLP exporter reads them.</summary>
    private static bool AreHeaders(string? headers) =>
        (headers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .All(pair => pair.IndexOf('=', StringComparison.Ordinal) > 0);

    private static bool IsOperationsPath(PathString path) =>
        path.StartsWithSegments(MetricsPath, StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(HealthExtensions.BasePath, StringComparison.OrdinalIgnoreCase);
}
