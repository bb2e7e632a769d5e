using System.Text.Json;
using DrsGraph.DrsClient;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Health;

public static class HealthExtensions
{
    public const string BasePath = "/health";
    public const string LivePath = BasePath + "/live";
    public const string ReadyPath = BasePath + "/ready";

    /// <summary>Tag of the checks <see cref="ReadyPath"/> runs; <see cref="LivePath"/> runs none.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Name of the readiness check that waits for the start-up warm-up.</summary>
    public const string WarmUpCheckName = "warm-up";

    /// <summary>The connection string the cache uses for its shared level, and the readiness check PINGs.</summary>
    public const string RedisConnectionName = Caching.JobCacheExtensions.RedisConnectionName;

    /// <summary>
    /// Options name of the DRS client's standard resilience pipeline: the typed client's name
    /// (<c>IDrsClient</c>) plus the standard handler's suffix. A test opens the circuit to keep it true.
    /// </summary>
    public const string DrsPipelineName = nameof(IDrsClient) + "-standard";

    /// <summary>
    /// Health checks for <see cref="LivePath"/> and <see cref="ReadyPath"/> (Redis when configured, the
    /// DRS circuit), and the shutdown timeout that lets in-flight requests drain.
    /// </summary>
    public static WebApplicationBuilder AddGatewayHealth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ListenPortsOptions>()
            .Configure<IConfiguration>(static (ports, configuration) => (ports.HttpPorts, ports.HttpsPorts) = (configuration["http_ports"], configuration["https_ports"]))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ListenPortsOptions>, ListenPortsValidation>();

        // On SIGTERM Kestrel stops accepting connections, then waits this long for requests in flight; those left then are
        // reset, in one log line (ShutdownDrain).
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.Timeout);
        services.AddSingleton<ShutdownDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());

        services.AddSingleton<UpstreamCircuitState>();
        services.AddOptions<HttpStandardResilienceOptions>(DrsPipelineName)
            .PostConfigure<UpstreamCircuitState>((resilience, circuit) => circuit.Observe(resilience.CircuitBreaker));

        // Start-up warm-up: readiness waits for it.
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<WarmUpState>();
        services.AddHostedService<StartupWarmUp>();

        var checks = services.AddHealthChecks()
            .AddCheck<UpstreamCircuitHealthCheck>("drs-circuit", tags: [ReadyTag])
            .AddCheck<WarmUpHealthCheck>(WarmUpCheckName, tags: [ReadyTag]);

        var redis = builder.Configuration.GetConnectionString(RedisConnectionName);
        if (!string.IsNullOrWhiteSpace(redis))
        {
            services.AddMetrics();
            services.TryAddSingleton<Caching.RedisReachability>();
            services.AddSingleton(sp => new RedisHealthCheck(
                redis,
                sp.GetRequiredService<IOptions<HealthOptions>>(),
                sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
                sp.GetRequiredService<Caching.RedisReachability>(),
                sp.GetService<Caching.RedisJobCache>()));
            // Unhealthy or Degraded as Gateway:Health:RedisDown says (the check reads it: the options are not bound yet here).
            checks.AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag]);
        }

        return builder;
    }

    /// <summary>Counts every request in flight, for the line a shutdown cut short logs (<see cref="ShutdownDrain"/>). First in the pipeline.</summary>
    public static WebApplication UseShutdownDrain(this WebApplication app)
    {
        var drain = app.Services.GetRequiredService<ShutdownDrain>();
        app.Use(drain.CountAsync);
        return app;
    }

    /// <summary>
    /// <see cref="LivePath"/>: 200 while the process serves requests (no dependency is checked, so a
    /// Redis or DRS outage never gets replicas restarted). <see cref="ReadyPath"/>: 200 when Healthy or
    /// Degraded (an open DRS circuit; a Redis outage with <c>Gateway:Health:RedisDown</c> = Degraded), 503 when a
    /// check is Unhealthy (the warm-up under way, a Redis outage by default); a JSON body names each check's status.
    /// </summary>
    public static WebApplication MapGatewayHealth(this WebApplication app)
    {
        // Created now, not at the first probe, so its up/down gauge is published from the start.
        _ = app.Services.GetService<RedisHealthCheck>();
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = static _ => false, ResponseWriter = WriteJsonAsync });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = static check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteJsonAsync });
        return app;
    }

    private static async Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            foreach (var (key, value) in entry.Data)
            {
                json.WriteString(key, value is DateTimeOffset at ? at.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : value.ToString());
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
