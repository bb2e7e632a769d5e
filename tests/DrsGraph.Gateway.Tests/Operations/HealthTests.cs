using System.Diagnostics;
using System.Net;
using DrsGraph.Gateway.Health;
using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Operations;

public sealed class HealthTests
{
    /// <remarks>Issue 7: readiness turns unready when Redis is configured and down; an operator may keep such a replica serving.</remarks>
    [Theory]
    [InlineData(null, HttpStatusCode.ServiceUnavailable, "Unhealthy")]
    [InlineData("Unready", HttpStatusCode.ServiceUnavailable, "Unhealthy")]
    [InlineData("Degraded", HttpStatusCode.OK, "Degraded")]
    public async Task Readiness_reports_Redis_down_when_Redis_is_configured_but_nothing_listens(string? redisDown, HttpStatusCode expected, string status)
    {
        var builder = GatewayHost.Builder().WithSetting("ConnectionStrings:Redis", $"127.0.0.1:{Loopback.UnusedPort()}").CaptureLogs();
        await using var gateway = (redisDown is null ? builder : builder.WithSetting("Gateway:Health:RedisDown", redisDown)).Start();
        var client = gateway.Client;

        var (readyStatus, ready) = await OperationsFixture.HealthAsync(client, HealthExtensions.ReadyPath);
        Assert.Equal(expected, readyStatus);
        Assert.Equal(status, ready["status"]!.GetValue<string>());
        Assert.Equal(status, ready["checks"]!["redis"]!["status"]!.GetValue<string>());
        Assert.Equal("Healthy", ready["checks"]!["drs-circuit"]!["status"]!.GetValue<string>());

        var (liveStatus, live) = await OperationsFixture.HealthAsync(client, HealthExtensions.LivePath);
        Assert.Equal(HttpStatusCode.OK, liveStatus);
        Assert.Equal("Healthy", live["status"]!.GetValue<string>());

        // The outage's one line says what readiness answers (it said "still 200" under either setting).
        await gateway.Logs.WaitForAsync("Redis is down:", 1);
        Assert.Contains($"readiness reports {status} ({(int)expected}", Assert.Single(gateway.Logs.Entries, e => e.Contains("Redis is down:", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    /// <remarks>
    /// Probes are unauthenticated and every replica shares the one Redis: each probe was one PING (one client with wrk made
    /// 9 700 a second). A check's result now answers the probes that come during it and just after it.
    /// </remarks>
    [Fact]
    public async Task A_burst_of_readiness_probes_costs_Redis_a_few_PINGs()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(null, ("ConnectionStrings:Redis", redis.ConnectionString), ("Gateway:Cache:Enabled", "true")));
        Assert.Equal(HttpStatusCode.OK, (await OperationsFixture.HealthAsync(rig.Client, HealthExtensions.ReadyPath)).Status);
        await redis.FlushAsync();
        await Task.Delay(RedisHealthCheck.ReuseFor + TimeSpan.FromMilliseconds(50));

        var watch = Stopwatch.StartNew();
        var probes = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => OperationsFixture.HealthAsync(rig.Client, HealthExtensions.ReadyPath)));
        var elapsed = watch.Elapsed;

        Assert.All(probes, probe => Assert.Equal("Healthy", probe.Body["checks"]!["redis"]!["status"]!.GetValue<string>()));
        var pings = (await redis.CommandCallsAsync()).GetValueOrDefault("ping");
        Assert.InRange(pings, 1, 2 + (int)(elapsed / RedisHealthCheck.ReuseFor));
    }

    [Fact]
    public async Task A_Redis_outage_makes_readiness_503_and_is_logged_once_per_change_with_an_up_gauge()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(null, ("ConnectionStrings:Redis", redis.ConnectionString), ("Gateway:Cache:Enabled", "true")));
        using var gauge = new RedisUpGauge(rig.Services);
        var (healthyStatus, healthy) = await OperationsFixture.HealthAsync(rig.Client, HealthExtensions.ReadyPath);
        Assert.Equal(HttpStatusCode.OK, healthyStatus);
        Assert.Equal("Healthy", healthy["checks"]!["redis"]!["status"]!.GetValue<string>());
        Assert.Equal(1, await gauge.WaitForAsync(1));

        var before = rig.Logs.Entries.Count;
        await redis.StopProcessAsync();
        // A check's result answers the probes of the next moment too (RedisHealthCheck.ReuseFor): past it, each sees the outage.
        await Task.Delay(RedisHealthCheck.ReuseFor + TimeSpan.FromMilliseconds(50));
        var outage = new List<(HttpStatusCode Status, System.Text.Json.Nodes.JsonObject Body)>();
        for (var probe = 0; probe < 4; probe++)
        {
            outage.Add(await OperationsFixture.HealthAsync(rig.Client, HealthExtensions.ReadyPath));
        }

        Assert.All(outage, probe => Assert.Equal(HttpStatusCode.ServiceUnavailable, probe.Status));
        Assert.All(outage, probe => Assert.Equal("Unhealthy", probe.Body["status"]!.GetValue<string>()));
        Assert.All(outage, probe => Assert.Equal("Unhealthy", probe.Body["checks"]!["redis"]!["status"]!.GetValue<string>()));
        Assert.Equal(0, await gauge.WaitForAsync(0));
        // The line follows the cache's connection, as the gauge does, not the probe's own.
        Assert.True(await WaitForLogAsync(rig, "Redis is down:"), rig.Logs.All);
        Assert.Equal(1, rig.Logs.Count("Redis is down:"));
        // Queries go on without Redis.
        (await rig.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }")).AssertNoErrors();

        await redis.StartProcessAsync();
        var deadline = Stopwatch.StartNew();
        string status;
        do
        {
            await Task.Delay(200);
            status = (await OperationsFixture.HealthAsync(rig.Client, HealthExtensions.ReadyPath)).Body["checks"]!["redis"]!["status"]!.GetValue<string>();
        }
        while (status != "Healthy" && deadline.Elapsed < TimeSpan.FromSeconds(20));

        Assert.Equal("Healthy", status);
        await OperationsFixture.HealthAsync(rig.Client, HealthExtensions.ReadyPath);
        // The probe's connection and the cache's reconnect at their own pace: the line comes with the cache's.
        Assert.True(await WaitForLogAsync(rig, "Redis is back:"), rig.Logs.All);
        Assert.Equal(1, rig.Logs.Count("Redis is back:"));
        Assert.Equal(1, rig.Logs.Count("Redis is down:"));
        Assert.Equal(1, await gauge.WaitForAsync(1));
        // One line of the gateway's each way in all: the cache's own connection once logged its loss and return as well.
        var since = rig.Logs.Entries.Skip(before).ToList();
        Assert.Single(since, e => e.StartsWith("Warning DrsGraph.", StringComparison.Ordinal) && e.Contains("Redis", StringComparison.Ordinal));
        Assert.Single(since, e => e.StartsWith("Information DrsGraph.", StringComparison.Ordinal) && e.Contains("Redis", StringComparison.Ordinal));
    }

    /// <remarks>
    /// The lines came from the readiness check alone: a gateway nobody probes (docker run, dotnet run) said nothing
    /// while every cache read fell back to memory and DRS.
    /// </remarks>
    [Fact]
    public async Task A_Redis_outage_is_logged_once_each_way_without_any_readiness_probe()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(null, ("ConnectionStrings:Redis", redis.ConnectionString), ("Gateway:Cache:Enabled", "true")));
        using var gauge = new RedisUpGauge(rig.Services);
        // The gauge follows the cache's connection: no probe needed to see it up.
        Assert.Equal(1, await gauge.WaitForAsync(1));
        var before = rig.Logs.Entries.Count;

        await redis.StopProcessAsync();
        Assert.True(await WaitForLogAsync(rig, "Redis is down:"), rig.Logs.All);
        (await rig.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }")).AssertNoErrors();
        await redis.StartProcessAsync();
        Assert.True(await WaitForLogAsync(rig, "Redis is back:"), rig.Logs.All);
        Assert.Equal(1, await gauge.WaitForAsync(1));

        var since = rig.Logs.Entries.Skip(before).ToList();
        Assert.Single(since, e => e.StartsWith("Warning DrsGraph.", StringComparison.Ordinal) && e.Contains("Redis", StringComparison.Ordinal));
        Assert.Single(since, e => e.StartsWith("Information DrsGraph.", StringComparison.Ordinal) && e.Contains("Redis", StringComparison.Ordinal));
        Assert.DoesNotContain(since, e => e.Contains("PING", StringComparison.Ordinal));
    }

    /// <remarks>
    /// A wrong password read as an outage: "Redis is down: the cache could not connect to it" and readiness "did not
    /// answer PING within 1000 ms (TimeoutException)", sending the operator to look for a network problem.
    /// </remarks>
    [Fact]
    public async Task A_Redis_refusing_the_password_is_said_to_refuse_it_once_without_the_password()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.WithServerAsync(async (server, _) => await server.ExecuteAsync("CONFIG", "SET", "requirepass", "the-right-pw"));
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(null, ("ConnectionStrings:Redis", redis.ConnectionString + ",password=a-wrong-pw"), ("Gateway:Cache:Enabled", "true")));

        Assert.True(await WaitForLogAsync(rig, "Redis is down:"), rig.Logs.All);
        var (status, ready) = await OperationsFixture.HealthAsync(rig.Client, HealthExtensions.ReadyPath);
        (await rig.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }")).AssertNoErrors();
        await OperationsFixture.HealthAsync(rig.Client, HealthExtensions.ReadyPath);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", ready["checks"]!["redis"]!["status"]!.GetValue<string>());
        Assert.Contains("refused the credentials of ConnectionStrings:Redis", ready["checks"]!["redis"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, rig.Logs.Count("Redis is down: it refused the credentials of ConnectionStrings:Redis"));
        Assert.Equal(1, rig.Logs.Count("Redis is down:"));
        Assert.DoesNotContain("a-wrong-pw", rig.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("a-wrong-pw", ready.ToJsonString(), StringComparison.Ordinal);
    }

    /// <remarks>
    /// ssl=true against a Redis without TLS read as an unreachable server ("could not connect", "did not answer PING"),
    /// and the outage line said readiness stayed 200 whatever Gateway:Health:RedisDown said.
    /// </remarks>
    [Fact]
    public async Task Ssl_against_a_Redis_without_TLS_says_so_and_the_line_names_what_readiness_reports()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(null, ("ConnectionStrings:Redis", redis.ConnectionString + ",ssl=true"), ("Gateway:Cache:Enabled", "true")));

        Assert.True(await WaitForLogAsync(rig, "Redis is down:"), rig.Logs.All);
        var (status, ready) = await OperationsFixture.HealthAsync(rig.Client, HealthExtensions.ReadyPath);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("ssl=true", ready["checks"]!["redis"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        var line = Assert.Single(rig.Logs.Entries, e => e.Contains("Redis is down:", StringComparison.Ordinal));
        Assert.Contains("ConnectionStrings:Redis has ssl=true: a Redis that does not speak TLS on that port never completes the handshake", line, StringComparison.Ordinal);
        Assert.Contains("readiness reports Unhealthy (503)", line, StringComparison.Ordinal);
        (await rig.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }")).AssertNoErrors();
    }

    [Fact]
    public async Task Readiness_is_200_when_Redis_answers_PING()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateway = GatewayHost.Builder().WithSetting("ConnectionStrings:Redis", redis.ConnectionString).Start();
        var client = gateway.Client;

        var (status, body) = await OperationsFixture.HealthAsync(client, HealthExtensions.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body["checks"]!["redis"]!["status"]!.GetValue<string>());
        Assert.StartsWith("Redis answered PING", body["checks"]!["redis"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_Redis_readiness_checks_only_the_DRS_circuit_and_the_start_up_warm_up()
    {
        await using var gateway = GatewayHost.Builder().Start();
        var client = gateway.Client;

        var (status, body) = await OperationsFixture.HealthAsync(client, HealthExtensions.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["drs-circuit", HealthExtensions.WarmUpCheckName], body["checks"]!.AsObject().Select(check => check.Key));
        Assert.Equal("Closed", body["checks"]!["drs-circuit"]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_open_DRS_circuit_makes_readiness_degraded_but_still_200_and_its_closing_makes_it_healthy_again()
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().WithSettings(new Dictionary<string, string?>
        {
            // One failing query (two attempts) is enough to open the circuit, which then probes again after half a second.
            ["Drs:Resilience:Retry:MaxRetryAttempts"] = "1",
            ["Drs:Resilience:Retry:Delay"] = "00:00:00.001",
            ["Drs:Resilience:CircuitBreaker:MinimumThroughput"] = "2",
            ["Drs:Resilience:CircuitBreaker:BreakDuration"] = "00:00:00.500",
        }).StartAsync();
        var client = gateway.Client;
        var id = (await gateway.Emulator!.CreateJobsAsync(1))[0];
        await gateway.Emulator.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 500 });

        var failed = await gateway.QueryAsync($"{{ job(id: \"{id}\") {{ status }} }}", GatewayFixture.Token);
        Assert.Equal("UPSTREAM_UNAVAILABLE", failed.Errors[0]!["extensions"]!["code"]!.GetValue<string>());

        var (openStatus, open) = await OperationsFixture.HealthAsync(client, HealthExtensions.ReadyPath);
        Assert.Equal(HttpStatusCode.OK, openStatus);
        Assert.Equal("Degraded", open["status"]!.GetValue<string>());
        Assert.Equal("Open", open["checks"]!["drs-circuit"]!["state"]!.GetValue<string>());

        // DRS recovers; after the break the next call is the probe that closes the circuit.
        await gateway.Emulator.ClearFaultsAsync();
        var deadline = Stopwatch.StartNew();
        string state;
        do
        {
            // Fails at once while the circuit is open; the first call after the break goes through.
            await Task.Delay(200);
            await gateway.QueryAsync($"{{ job(id: \"{id}\") {{ status }} }}", GatewayFixture.Token);
            state = (await OperationsFixture.HealthAsync(client, HealthExtensions.ReadyPath)).Body["checks"]!["drs-circuit"]!["state"]!.GetValue<string>();
        }
        while (state != "Closed" && deadline.Elapsed < TimeSpan.FromSeconds(15));

        Assert.Equal("Closed", state);
        (await gateway.QueryAsync($"{{ job(id: \"{id}\") {{ status }} }}", GatewayFixture.Token)).AssertNoErrors();
        Assert.Equal("Healthy", (await OperationsFixture.HealthAsync(client, HealthExtensions.ReadyPath)).Body["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_health_probe_exits_0_for_a_live_gateway_and_1_when_nothing_listens()
    {
        await using var gateway = GatewayHost.Builder().Start();
        var client = gateway.Client;

        Assert.Equal(0, await HealthProbe.RunAsync(new Uri(client.BaseAddress!, HealthExtensions.LivePath), CancellationToken.None));
        Assert.Equal(1, await HealthProbe.RunAsync(new Uri($"http://127.0.0.1:{Loopback.UnusedPort()}{HealthExtensions.LivePath}"), CancellationToken.None));
    }

    /// <summary>True once a line holding <paramref name="fragment"/> is logged; false after 30 s.</summary>
    private static async Task<bool> WaitForLogAsync(GatewayRig rig, string fragment)
    {
        var deadline = Stopwatch.StartNew();
        while (rig.Logs.Count(fragment) == 0)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    /// <summary>Reads one gateway's <c>drsgraph.cache.redis.up</c> gauge (its own meter factory: other hosts in this process have their own).</summary>
    private sealed class RedisUpGauge : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private int? _last;

        public RedisUpGauge(IServiceProvider services)
        {
            var factory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(services);
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == RedisHealthCheck.UpGaugeName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((_, value, _, _) => _last = value);
            _listener.Start();
        }

        /// <summary>The gauge's value once it reads <paramref name="expected"/>, or its last value after 10 s.</summary>
        public async Task<int?> WaitForAsync(int expected)
        {
            var deadline = Stopwatch.StartNew();
            do
            {
                _last = null;
                _listener.RecordObservableInstruments();
                if (_last == expected)
                {
                    break;
                }

                await Task.Delay(100);
            }
            while (deadline.Elapsed < TimeSpan.FromSeconds(10));

            return _last;
        }

        public void Dispose() => _listener.Dispose();
    }
}
