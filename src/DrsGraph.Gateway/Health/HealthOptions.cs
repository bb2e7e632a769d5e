using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.Health;

/// <summary>What readiness says while the configured Redis does not answer (<see cref="HealthOptions.RedisDown"/>).</summary>
public enum RedisDownReadiness
{
    /// <summary>503: the replica leaves its load balancer until Redis answers again.</summary>
    Unready,

    /// <summary>200 with the <c>redis</c> check Degraded: the replica keeps serving from memory and DRS.</summary>
    Degraded,
}

/// <summary>Readiness checks, bound from <c>Gateway:Health</c>.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Gateway:Health";

    /// <summary>
    /// What readiness says while <c>ConnectionStrings:Redis</c> is configured and Redis does not answer. Default
    /// <see cref="RedisDownReadiness.Unready"/> (503), so an orchestrator sees a replica that lost its shared cache.
    /// <see cref="RedisDownReadiness.Degraded"/> keeps it in the load balancer (200, the check Degraded): the cache
    /// fails open to memory and DRS, so it still answers, at the price of more DRS calls; choose it when every replica
    /// shares one Redis, whose outage would otherwise take them all out at once.
    /// </summary>
    public RedisDownReadiness RedisDown { get; set; } = RedisDownReadiness.Unready;

    /// <summary>
    /// How long the Redis check waits to connect and for PING. Default 1 s: a healthy Redis answers in
    /// about a millisecond, and the whole check must fit the orchestrator's probe timeout (3 s in deploy/).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:30", ParseLimitsInInvariantCulture = true)]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest each half of the start-up warm-up may take: the load through a copy of the gateway
    /// (<see cref="WarmUpRequests"/>; nothing listens meanwhile), then the in-process query (readiness stays 503
    /// until it ends). Default 30 s: the default load takes ~15 s on two cores; Kubernetes' startup probe in
    /// deploy/ allows 60 s. When it runs out, what has run so far stays compiled and the gateway starts, less
    /// warm. Zero skips the warm-up.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:02:00", ParseLimitsInInvariantCulture = true)]
    public TimeSpan WarmUpTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Cold 20-job requests the start-up warm-up sends through a throwaway copy of the gateway (its own
    /// emulator, nothing shared with this replica) so the JIT has optimized the hot path before the first
    /// caller arrives. Default 4000 (~15 s on two cores): a fresh replica then costs 1.5x its steady CPU per
    /// request over its first 10 s of cold load, against 2.4-3.7x without it and 1.7x after 2000
    /// (bench/README.md, issue 15). Zero sends none: only the one in-process query runs, and start-up takes
    /// about a second. Test hosts (WebApplicationFactory) never run the copy.
    /// </summary>
    [Range(0, 1_000_000)]
    public int WarmUpRequests { get; set; } = 4000;
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
