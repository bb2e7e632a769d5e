using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.Health;

/// <summary>Readiness checks, bound from <c>Gateway:Health</c>.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Gateway:Health";

    /// <summary>
    /// How long the Redis check waits to connect and for PING. Default 1 s: a healthy Redis answers in
    /// about a millisecond, and the whole check must fit the orchestrator's probe timeout (3 s in deploy/).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:30", ParseLimitsInInvariantCulture = true)]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest the start-up warm-up (one in-process run of the 20-job query shape before the gateway
    /// serves; readiness stays 503 until it ends) may take. Default 10 s: it takes well under a second
    /// with ReadyToRun code, and the image's health check allows 20 s for start-up. Zero skips it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:02:00", ParseLimitsInInvariantCulture = true)]
    public TimeSpan WarmUpTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Graceful shutdown, bound from <c>Gateway:Shutdown</c>.</summary>
public sealed class ShutdownOptions
{
    public const string SectionName = "Gateway:Shutdown";

    /// <summary>
    /// How long in-flight requests may finish after SIGTERM before the host gives up on them
    /// (<see cref="HostOptions.ShutdownTimeout"/>). Default 25 s: above the 8 s total DRS budget of a
    /// request, and below Kubernetes' default 30 s grace period, which must stay larger (preStop included).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ParseLimitsInInvariantCulture = true)]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(25);
}
