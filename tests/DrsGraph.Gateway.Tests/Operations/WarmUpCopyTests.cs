using System.Net;
using System.Net.Http.Json;
using DrsGraph.Gateway.Health;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>
/// The start-up warm-up's load half (issue 15, target 5): the real program, before it starts, sends cold
/// requests through a throwaway copy of itself. The copy shares nothing with the replica (no DRS call, no
/// Redis key) and counts in none of its metrics; a copy that runs out of time is logged once and the
/// gateway starts anyway.
/// </summary>
public sealed class WarmUpCopyTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_copy_answers_its_requests_and_the_replica_sees_none_of_them_upstream_in_Redis_or_in_its_metrics()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var redis = await RedisServer.StartAsync();
        var job = (await emulator.CreateJobsAsync(1))[0];
        await using var gateway = await GatewayProcess.StartAsync("Production", new Dictionary<string, string>
        {
            ["Drs:Endpoint"] = emulator.BaseAddress.ToString(),
            ["Drs:AllowInsecureEndpoint"] = "true",
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["Gateway:Cache:KeySecret"] = "a-secret-shared-by-the-replicas-0123456789",
            ["Gateway:Health:WarmUpRequests"] = "120",
        }, StartTimeout);

        var (status, body) = await OperationsFixture.HealthAsync(gateway.Client, HealthExtensions.ReadyPath);
        var metrics = await gateway.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, status);
        var warmUp = body["checks"]![HealthExtensions.WarmUpCheckName]!;
        Assert.Equal("completed", warmUp["outcome"]!.GetValue<string>());
        Assert.Equal("120", warmUp["requests"]!.ToString());
        Assert.Equal(0, await emulator.UpstreamCallCountAsync());
        Assert.Empty(await redis.DumpAsync());
        Assert.DoesNotContain("drsgraph_cache_misses_total", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("drsgraph_dataloader_batch_size_count", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("http_route=\"/graphql\"", metrics, StringComparison.Ordinal);
        Assert.Single(gateway.Entries, line => line.Contains("Start-up warm-up completed", StringComparison.Ordinal) && line.Contains("(120 cold requests", StringComparison.Ordinal));
        // Its answers are thrown away: the copy's memory level is a small one, not the replica's 64 MB beside the replica's own.
        Assert.Single(gateway.Entries, line => line.Contains("120 cold requests through a copy of the gateway before it starts (its memory level 8 MB;", StringComparison.Ordinal));
        Assert.DoesNotContain("warn:", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", gateway.Output, StringComparison.Ordinal);

        // The replica's own first request goes upstream, into Redis and into its metrics: what the copy's did not.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/graphql", UriKind.Relative))
        {
            Content = JsonContent.Create(new { query = $"{{ job(id: \"{job}\") {{ status progress {{ percent }} }} }}" }),
        };
        request.Headers.Add("X-Auth-Token", "a-caller");
        using var answer = await gateway.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.DoesNotContain("\"errors\"", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, await emulator.UpstreamCallCountAsync());
        await RedisServer.WaitUntilAsync(async () => (await redis.DumpAsync()).Count > 0, "the replica's entries in Redis");
        var after = await PrometheusText.ScrapeUntilAsync(gateway.Client, m => m.Contains("http_route=\"/graphql\"", StringComparison.Ordinal));
        Assert.Contains("drsgraph_cache_misses_total", after, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/graphql\"", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_copy_that_runs_out_of_time_is_logged_once_and_the_gateway_starts_anyway()
    {
        await using var gateway = await GatewayProcess.StartAsync("Development", new Dictionary<string, string>
        {
            ["Gateway:Health:WarmUpRequests"] = "1000000",
            ["Gateway:Health:WarmUpTimeout"] = "00:00:03",
            ["Gateway:Cache:MaxMemoryMegabytes"] = "3",
        }, StartTimeout);

        var (status, body) = await OperationsFixture.HealthAsync(gateway.Client, HealthExtensions.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, status);
        var warmUp = body["checks"]![HealthExtensions.WarmUpCheckName]!;
        Assert.Equal("timed out", warmUp["outcome"]!.GetValue<string>());
        Assert.InRange(int.Parse(warmUp["requests"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture), 0, 999_999);
        Assert.Single(gateway.Entries, line => line.Contains("Gateway:Health:WarmUpTimeout (00:00:03) ran out after", StringComparison.Ordinal));
        // A replica whose own level is smaller than the copy's usual one lends it its own size.
        Assert.Single(gateway.Entries, line => line.Contains("(its memory level 3 MB;", StringComparison.Ordinal));
        Assert.Single(gateway.Entries, line => line.Contains("Start-up warm-up timed out", StringComparison.Ordinal));
        Assert.DoesNotContain("fail:", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_copy_whose_answers_carry_errors_is_logged_once_with_the_first_error_and_the_gateway_starts_anyway()
    {
        // The copy takes the replica's settings: answers of 20 jobs do not fit a 1 KiB response limit.
        await using var gateway = await GatewayProcess.StartAsync("Development", new Dictionary<string, string>
        {
            ["Gateway:Health:WarmUpRequests"] = "500",
            ["GraphQL:Http:MaxResponseBytes"] = "1024",
            ["Gateway:Cache:Enabled"] = "false",
        }, StartTimeout);

        var (status, body) = await OperationsFixture.HealthAsync(gateway.Client, HealthExtensions.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, status);
        var warmUp = body["checks"]![HealthExtensions.WarmUpCheckName]!;
        Assert.Equal("failed", warmUp["outcome"]!.GetValue<string>());
        Assert.Equal("0", warmUp["requests"]!.ToString());
        Assert.Single(gateway.Entries, line => line.StartsWith("warn:", StringComparison.Ordinal)
            && line.Contains("its copy of the gateway failed after 0 cold requests: HTTP 200:", StringComparison.Ordinal)
            && line.Contains("RESPONSE_TOO_LARGE", StringComparison.Ordinal));
        Assert.Single(gateway.Entries, line => line.StartsWith("warn:", StringComparison.Ordinal));
        Assert.Single(gateway.Entries, line => line.Contains("Start-up warm-up failed in", StringComparison.Ordinal));
        // The copy takes the replica's cache settings, so no memory level at all here.
        Assert.Single(gateway.Entries, line => line.Contains("(its memory level off, as the gateway's cache;", StringComparison.Ordinal));
    }

    // SIGTERM is what Kubernetes and Docker send; SIGINT is Ctrl+C in a terminal.
    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_stop_signal_during_the_warm_up_ends_the_process_at_once_without_starting_the_gateway(string signal)
    {
        await using var gateway = GatewayProcess.Launch("Development", new Dictionary<string, string>
        {
            ["Gateway:Health:WarmUpRequests"] = "1000000",
            ["Gateway:Health:WarmUpTimeout"] = "00:02:00",
        });
        await gateway.WaitForOutputAsync("cold requests through a copy of the gateway before it starts", StartTimeout);
        // Well into the load: the copy and its emulator are serving.
        await Task.Delay(TimeSpan.FromSeconds(2));

        await gateway.SignalAsync(signal);
        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(0, exitCode);
        Assert.Single(gateway.Entries, line => line.Contains($"SIG{signal} received before the gateway started; it stops without starting", StringComparison.Ordinal));
        Assert.DoesNotContain("Now listening on", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Start-up warm-up completed", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("warn:", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Zero_requests_send_none_and_start_at_once()
    {
        await using var gateway = await GatewayProcess.StartAsync("Development", new Dictionary<string, string>
        {
            ["Gateway:Health:WarmUpRequests"] = "0",
        }, StartTimeout);

        var (_, body) = await OperationsFixture.HealthAsync(gateway.Client, HealthExtensions.ReadyPath);

        var warmUp = body["checks"]![HealthExtensions.WarmUpCheckName]!;
        Assert.Equal("completed", warmUp["outcome"]!.GetValue<string>());
        Assert.Equal("0", warmUp["requests"]!.ToString());
        Assert.Single(gateway.Entries, line => line.Contains("(0 cold requests", StringComparison.Ordinal));
    }
}
