using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DrsGraph.Emulator;
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
        Assert.Equal(200, answer!.Status);
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
        var (emulator, control) = await OperationsFixture.StartEmulatorAsync();
        await using var _ = emulator;
        using var __ = control;
        var id = (await OperationsFixture.CreateJobsAsync(control, 1))[0];
        await using var gateway = new GatewayFactory(emulator.GetBaseAddress(), new Dictionary<string, string?> { ["Gateway:Shutdown:Timeout"] = shutdownTimeout });
        using var client = gateway.StartAndCreateClient();
        (await control.PutAsJsonAsync("/_emulator/faults", new { latencyMs = 1500 })).EnsureSuccessStatusCode();

        var query = OperationsFixture.QueryAsync(client, $"{{ job(id: \"{id}\") {{ status }} }}");
        await UntilDrsIsAnsweringAsync(control);
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
    private static async Task UntilDrsIsAnsweringAsync(HttpClient control)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var log = await control.GetFromJsonAsync<JsonObject>("/_emulator/requests");
            if (log!["requests"]!.AsArray().Count > 0)
            {
                return;
            }

            await Task.Delay(10);
        }

        Assert.Fail("The gateway never called DRS.");
    }
}
