using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// Readiness: Unhealthy (503) until the start-up warm-up has ended, so a load balancer sends a new replica
/// traffic only once its GraphQL hot path is compiled. Healthy afterwards whatever the outcome: the warm-up
/// is bounded in time and only speeds the first requests up, it never decides whether the gateway works.
/// </summary>
public sealed class WarmUpHealthCheck(WarmUpState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!state.Done)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("start-up warm-up running"));
        }

        var data = new Dictionary<string, object>
        {
            ["outcome"] = state.Outcome!,
            ["durationMs"] = Math.Round(state.Duration.TotalMilliseconds, 1),
            ["requests"] = state.Requests,
        };
        return Task.FromResult(HealthCheckResult.Healthy($"start-up warm-up {state.Outcome}", data));
    }
}
