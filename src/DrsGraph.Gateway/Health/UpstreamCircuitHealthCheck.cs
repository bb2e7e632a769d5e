using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// Reports the DRS circuits (one per region's endpoint): healthy when all are closed, <see cref="HealthStatus.Degraded"/>
/// (still HTTP 200) when one is open or probing.
/// </summary>
/// <remarks>
/// Never unhealthy on purpose: every replica shares the one DRS, so an open circuit would take all of
/// them out of the load balancer at once, and a replica that gets no traffic never lets the probe call
/// through that closes its circuit again. Degraded is visible on the endpoint and to alerting instead.
/// </remarks>
public sealed class UpstreamCircuitHealthCheck(UpstreamCircuitState circuit) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var current = circuit.Current;
        var notClosed = circuit.NotClosedEndpoints;
        // The worst region's circuit; notClosed says how many regions' DRS are failing.
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["state"] = current.State.ToString(), ["notClosed"] = notClosed.Count };
        if (current.Since is { } since)
        {
            data["since"] = since;
        }

        // Which DRS endpoints (one per region) are failing: with several regions "the circuit is open" named none.
        var failing = string.Join(", ", notClosed);
        if (failing.Length > 0)
        {
            data["notClosedEndpoints"] = failing;
        }

        var result = current.State switch
        {
            CircuitState.Closed => HealthCheckResult.Healthy("The DRS circuit is closed.", data),
            CircuitState.HalfOpen => HealthCheckResult.Degraded($"The DRS circuit of {failing} is half-open: a probe call decides whether DRS is back.", data: data),
            _ => HealthCheckResult.Degraded($"The DRS circuit of {failing} is open: DRS calls fail at once for {current.BreakDuration} after each failure burst.", data: data),
        };
        return Task.FromResult(result);
    }
}
