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
        var (answer, error) = await StopWhileAQueryIsInFlightAsync(shutdownTimeout: "00:00:20");

        Assert.Null(error);
        Assert.Equal(HttpStatusCode.OK, answer!.Status);
        Assert.Equal("FULL_TRANSFER_STARTED", answer.AssertNoErrors().Data!["job"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task With_no_shutdown_timeout_a_query_in_flight_is_cut_off()
    {
        var (answer, error) = await StopWhileAQueryIsInFlightAsync(shutdownTimeout: "00:00:00");

        Assert.Null(answer);
        Assert.IsAssignableFrom<HttpRequestException>(error);
    }

    /// <summary>
    /// Sends a query DRS takes 1.5 s to answer, stops the gateway as SIGTERM would (the host's
    /// StopAsync, bounded by Gateway:Shutdown:Timeout) once the DRS call is under way, and returns
    /// how the query ended.
    /// </summary>
    private static async Task<(GraphQLAnswer? Answer, HttpRequestException? Error)> StopWhileAQueryIsInFlightAsync(string shutdownTimeout)
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().WithSetting("Gateway:Shutdown:Timeout", shutdownTimeout).StartAsync();
        var id = (await gateway.Emulator!.CreateJobsAsync(1))[0];
        await gateway.Emulator.SetFaultsAsync(new { latencyMs = 1500 });

        var query = gateway.QueryAsync($"{{ job(id: \"{id}\") {{ status }} }}", GatewayFixture.Token);
        await UntilDrsIsAnsweringAsync(gateway.Emulator);
        var stopping = gateway.Services.GetRequiredService<IHost>().StopAsync();
        try
        {
            return (await query, null);
        }
        catch (HttpRequestException exception)
        {
            return (null, exception);
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
