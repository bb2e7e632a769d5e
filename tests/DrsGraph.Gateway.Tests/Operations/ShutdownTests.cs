using System.Net;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DrsGraph.Gateway.Tests.Operations;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_a_replica_lets_a_query_already_in_flight_finish()
    {
        var (answer, error, logs) = await StopWhileAQueryIsInFlightAsync(shutdownTimeout: "00:00:20");

        Assert.Null(error);
        Assert.Equal(HttpStatusCode.OK, answer!.Status);
        Assert.Equal("FULL_TRANSFER_STARTED", answer.AssertNoErrors().Data!["job"]!["status"]!.GetValue<string>());
        Assert.Equal(0, logs.Count("Gateway:Shutdown:Timeout"));
    }

    [Fact]
    public async Task With_no_shutdown_timeout_a_query_in_flight_is_cut_off()
    {
        var (answer, error, logs) = await StopWhileAQueryIsInFlightAsync(shutdownTimeout: "00:00:00");

        Assert.Null(answer);
        Assert.IsAssignableFrom<HttpRequestException>(error);
        // Kestrel says so only at Debug: the request reset is the gateway's one line. The whole log in the message: this
        // failed twice in CI (never alone, 25 runs under CPU load) with no such line.
        var cutShort = logs.Entries.Count(line => line.StartsWith("Warning ", StringComparison.Ordinal)
            && line.Contains("Shutdown: Gateway:Shutdown:Timeout (0 s) ran out with 1 requests still running; they are reset", StringComparison.Ordinal));
        Assert.True(cutShort == 1, $"{cutShort} cut-short lines in:\n{logs.All}");
    }

    /// <summary>
    /// Sends a query DRS takes 1.5 s to answer, stops the gateway as SIGTERM would (the host's
    /// StopAsync, bounded by Gateway:Shutdown:Timeout) once the DRS call is under way, and returns
    /// how the query ended.
    /// </summary>
    private static async Task<(GraphQLAnswer? Answer, HttpRequestException? Error, LogCapture Logs)> StopWhileAQueryIsInFlightAsync(string shutdownTimeout)
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().WithSetting("Gateway:Shutdown:Timeout", shutdownTimeout).CaptureLogs().StartAsync();
        var id = (await gateway.Emulator!.CreateJobsAsync(1))[0];
        await gateway.Emulator.SetFaultsAsync(new { latencyMs = 1500 });

        var query = gateway.QueryAsync($"{{ job(id: \"{id}\") {{ status }} }}", GatewayFixture.Token);
        await UntilDrsIsAnsweringAsync(gateway.Emulator);
        // And the gateway counts it: the line is about requests it was serving when the drain ran out.
        var drain = gateway.Services.GetRequiredService<DrsGraph.Gateway.Health.ShutdownDrain>();
        for (var attempt = 0; attempt < 200 && drain.InFlight == 0; attempt++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, drain.InFlight);
        var stopping = gateway.Services.GetRequiredService<IHost>().StopAsync();
        try
        {
            return (await query, null, gateway.Logs);
        }
        catch (HttpRequestException exception)
        {
            return (null, exception, gateway.Logs);
        }
        finally
        {
            await stopping;
        }
    }

    /// <summary>Waits until the gateway's DRS call has reached the emulator, so the query is truly in flight.</summary>
    internal static async Task UntilDrsIsAnsweringAsync(TestEmulator emulator)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (await emulator.UpstreamCallCountAsync() > 0)
            {
                return;
            }

            await Task.Delay(10);
        }

        Assert.Fail("The gateway never called DRS.");
    }
}
