using System.Net;
using DrsGraph.Gateway.Health;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>The start-up warm-up (issue 15) and the readiness check that waits for it.</summary>
public sealed class WarmUpTests
{
    [Fact]
    public async Task Readiness_reports_the_warm_up_completed_and_the_warm_up_called_DRS_no_time()
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().StartAsync();

        var (status, body) = await OperationsFixture.HealthAsync(gateway.Client, HealthExtensions.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, status);
        var warmUp = body["checks"]![HealthExtensions.WarmUpCheckName]!;
        Assert.Equal("Healthy", warmUp["status"]!.GetValue<string>());
        Assert.Equal("completed", warmUp["outcome"]!.GetValue<string>());
        // The warm-up ran the 20-job query shape with no IDs: nothing went upstream.
        Assert.Equal(0, await gateway.Emulator!.UpstreamCallCountAsync());
    }

    [Fact]
    public async Task A_zero_timeout_skips_the_warm_up_and_readiness_says_so()
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().WithSetting("Gateway:Health:WarmUpTimeout", "00:00:00").StartAsync();

        var (status, body) = await OperationsFixture.HealthAsync(gateway.Client, HealthExtensions.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("skipped", body["checks"]![HealthExtensions.WarmUpCheckName]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_check_is_unhealthy_until_the_warm_up_has_ended()
    {
        var state = new WarmUpState();
        var check = new WarmUpHealthCheck(state);

        var running = await check.CheckHealthAsync(new HealthCheckContext());
        state.Finish("timed out", TimeSpan.FromSeconds(10));
        var ended = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, running.Status);
        Assert.Equal(HealthStatus.Healthy, ended.Status);
        Assert.Equal("timed out", ended.Data["outcome"]);
    }

    [Fact]
    public async Task A_warm_up_timeout_above_two_minutes_stops_the_start()
    {
        var builder = GatewayHost.Builder().WithEmulator().WithSetting("Gateway:Health:WarmUpTimeout", "00:05:00");

        var error = await Record.ExceptionAsync(async () => { await using var gateway = await builder.StartAsync(); });

        Assert.NotNull(error);
        Assert.Contains("WarmUpTimeout", error.ToString(), StringComparison.Ordinal);
    }
}
