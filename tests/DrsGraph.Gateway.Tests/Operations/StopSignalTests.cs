using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>
/// Stop signals to the real program (GatewayLifetime), at the moments a rollout sends them: while the host is
/// starting, and while it serves a query. (During the start-up warm-up: <see cref="WarmUpCopyTests"/>.) Each ends
/// the process with exit code 0 and no failure logged. SIGTERM is what Kubernetes and Docker send; SIGINT is
/// Ctrl+C in a terminal.
/// </summary>
public sealed class StopSignalTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_stop_signal_while_the_host_starts_lets_it_finish_starting_then_stops_it_gracefully(string signal)
    {
        await using var gateway = GatewayProcess.Launch("Development", new Dictionary<string, string>
        {
            ["Gateway:Health:WarmUpRequests"] = "0",
        });
        // The embedded emulator is the host's first service to start; the gateway's Kestrel binds after it.
        await gateway.WaitForOutputAsync("the embedded DRS emulator serves", StartTimeout);

        await gateway.SignalAsync(signal);
        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(15));

        // It used to cancel the start: "Hosting failed to start" twice with stack traces, then an unhandled
        // OperationCanceledException (exit code 134).
        Assert.Equal(0, exitCode);
        AssertStoppedGracefully(gateway);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_stop_signal_to_a_serving_gateway_lets_the_query_in_flight_finish_then_exits(string signal)
    {
        await using var emulator = await TestEmulator.StartAsync();
        var job = (await emulator.CreateJobsAsync(1))[0];
        await using var gateway = await GatewayProcess.StartAsync("Production", new Dictionary<string, string>
        {
            ["Drs:Endpoint"] = emulator.BaseAddress.ToString(),
            ["Drs:AllowInsecureEndpoint"] = "true",
            ["Gateway:Health:WarmUpRequests"] = "0",
            ["Gateway:Shutdown:Timeout"] = "00:00:20",
        }, StartTimeout);
        await emulator.SetFaultsAsync(new { latencyMs = 1500 });

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/graphql", UriKind.Relative))
        {
            Content = JsonContent.Create(new { query = $"{{ job(id: \"{job}\") {{ status }} }}" }),
        };
        request.Headers.Add("X-Auth-Token", "a-caller");
        var query = gateway.Client.SendAsync(request);
        await ShutdownTests.UntilDrsIsAnsweringAsync(emulator);
        await gateway.SignalAsync(signal);

        using var answer = await query;
        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var body = await answer.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Null(body!["errors"]);
        Assert.Equal("FULL_TRANSFER_STARTED", body["data"]!["job"]!["status"]!.GetValue<string>());
        Assert.Equal(0, exitCode);
        AssertStoppedGracefully(gateway);
    }

    /// <summary>Started (the console lifetime's status lines, kept), then stopped once, with no failure logged.</summary>
    private static void AssertStoppedGracefully(GatewayProcess gateway)
    {
        Assert.Single(gateway.Entries, entry => entry.Contains("Now listening on", StringComparison.Ordinal));
        Assert.Single(gateway.Entries, entry => entry.Contains("Microsoft.Hosting.Lifetime", StringComparison.Ordinal) && entry.Contains("Application started.", StringComparison.Ordinal));
        Assert.Single(gateway.Entries, entry => entry.Contains("Microsoft.Hosting.Lifetime", StringComparison.Ordinal) && entry.Contains("Application is shutting down...", StringComparison.Ordinal));
        Assert.DoesNotContain(gateway.Entries, entry => entry.StartsWith("fail:", StringComparison.Ordinal) || entry.StartsWith("crit:", StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("stops without starting", gateway.Output, StringComparison.Ordinal);
    }
}
