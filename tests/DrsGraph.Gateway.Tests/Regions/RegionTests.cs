using System.Net;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Health;
using DrsGraph.Gateway.Observability;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Gateway.Tests.Regions;

/// <summary>Regions: two emulators as two DRS regions behind one gateway, picked by header or per root field.</summary>
public sealed class RegionTests
{
    private const string Fields = "id status progress { percent }";

    [Fact]
    public async Task One_operation_reading_two_regions_costs_one_batch_call_per_endpoint_per_region()
    {
        await using var rig = await TwoRegionRig.StartAsync();
        var homeIds = await rig.Home.CreateJobsAsync(3);
        var awayIds = await rig.Away.CreateJobsAsync(2, status: "INCRE_TRANSFER_STARTED", project: TwoRegionRig.AwayProject);
        await rig.ClearUpstreamLogsAsync();

        var answer = await rig.QueryAsync($$"""
            {
              home: jobs(ids: {{GatewayFixture.IdList(homeIds)}}) { {{Fields}} }
              away: jobs(ids: {{GatewayFixture.IdList(awayIds)}}, region: "{{TwoRegionRig.AwayRegion}}") { {{Fields}} }
              one: job(id: "{{awayIds[0]}}", region: "{{TwoRegionRig.AwayRegion}}") { status detail { name } }
              again: job(id: "{{homeIds[1]}}") { status }
            }
            """);

        answer.AssertNoErrors();
        Assert.All(answer.Data!["home"]!.AsArray(), j => Assert.Equal("FULL_TRANSFER_STARTED", j!["status"]!.GetValue<string>()));
        Assert.All(answer.Data!["away"]!.AsArray(), j => Assert.Equal("INCRE_TRANSFER_STARTED", j!["status"]!.GetValue<string>()));
        Assert.Equal("INCRE_TRANSFER_STARTED", answer.Data!["one"]!["status"]!.GetValue<string>());

        // Each region's jobs in one call per endpoint, to that region's DRS and project; nothing crosses over.
        var home = await rig.Home.UpstreamCallsAsync();
        Assert.Equal(["progress", "status"], home.Select(c => c.Endpoint).Order());
        Assert.All(home, c => Assert.Equal(TestEmulator.DemoProject, c.ProjectId));
        Assert.All(home, c => Assert.Equal(homeIds.Order(), c.JobIds!.Order()));
        var away = await rig.Away.UpstreamCallsAsync();
        Assert.Equal(["detail", "progress", "status"], away.Select(c => c.Endpoint).Order());
        Assert.All(away, c => Assert.Equal(TwoRegionRig.AwayProject, c.ProjectId));
        Assert.Equal(awayIds.Order(), away.Single(c => c.Endpoint == "status").JobIds!.Order());
        Assert.Equal([awayIds[0]], away.Single(c => c.Endpoint == "detail").JobIds!);
    }

    [Fact]
    public async Task Upstream_call_and_cache_metrics_carry_the_region()
    {
        await using var rig = await TwoRegionRig.StartAsync();
        var awayId = (await rig.Away.CreateJobsAsync(1, project: TwoRegionRig.AwayProject))[0];

        (await rig.QueryAsync($"{{ job(id: \"{awayId}\", region: \"{TwoRegionRig.AwayRegion}\") {{ status }} }}")).AssertNoErrors();

        // Meters are shared by every gateway of this test process: assert the label is there, not a total.
        var metrics = await rig.Gateway.Client.GetStringAsync(ObservabilityExtensions.MetricsPath);
        Assert.Matches($"drsgraph_upstream_calls_total\\{{[^}}]*drs_region=\"{TwoRegionRig.AwayRegion}\"", metrics);
        Assert.Matches($"drsgraph_cache_upstream_total\\{{[^}}]*drs_region=\"{TwoRegionRig.AwayRegion}\"", metrics);
        Assert.Matches($"drsgraph_cache_misses_total\\{{[^}}]*drs_region=\"{TwoRegionRig.AwayRegion}\"", metrics);
    }

    [Fact]
    public async Task Redis_level_cache_metrics_carry_the_region_too()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var rig = await TwoRegionRig.StartAsync(("ConnectionStrings:Redis", redis.ConnectionString), ("Gateway:Cache:KeySecret", "region-metrics-secret-of-at-least-32-chars"));
        var awayId = (await rig.Away.CreateJobsAsync(1, project: TwoRegionRig.AwayProject))[0];
        static string QueryOf(string id) => $"{{ job(id: \"{id}\", region: \"{TwoRegionRig.AwayRegion}\") {{ status }} }}";
        var query = QueryOf(awayId);
        // The cache's own connection first (readiness probes Redis on a connection of its own): while the cache has not
        // reached Redis, reads skip it and the answer goes to memory, where every later read finds it.
        var cache = rig.Gateway.Services.GetRequiredService<RedisJobCache>();
        for (var wait = 0; wait < 1200 && !cache.IsConnected; wait++)
        {
            await Task.Delay(50);
        }

        Assert.True(cache.IsConnected, "the cache never reached Redis");

        // The first read misses both levels and goes to Redis only (memory on second use). A read while its Redis
        // write is still in flight joins that fetch instead of reading Redis, so read again until one was a Redis hit
        // (and until /metrics, which the exporter caches briefly, shows both).
        (await rig.QueryAsync(query)).AssertNoErrors();
        string[] lines = [];
        for (var attempt = 0; attempt < 50 && !(HasRedisLine(lines, "drsgraph_cache_hits_total{") && HasRedisLine(lines, "drsgraph_cache_misses_total{")); attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt));
            if (attempt > 0 && !HasRedisLine(lines, "drsgraph_cache_misses_total{"))
            {
                // Every later read of the first job is a hit, so a miss that did not show never would: a job nobody read
                // yet misses Redis again.
                var fresh = (await rig.Away.CreateJobsAsync(1, project: TwoRegionRig.AwayProject))[0];
                (await rig.QueryAsync(QueryOf(fresh))).AssertNoErrors();
            }

            (await rig.QueryAsync(query)).AssertNoErrors();
            lines = (await rig.Gateway.Client.GetStringAsync(ObservabilityExtensions.MetricsPath)).Split('\n');
        }

        // On failure, what the cache's counters did show. (It failed under loaded parallel runs while another test's gateway
        // stopping ended this gateway's cache counters: MeterIsolationTests.)
        var cacheLines = string.Join("\n", lines.Where(l => l.StartsWith("drsgraph_cache_", StringComparison.Ordinal)).Take(40));
        Assert.True(HasRedisLine(lines, "drsgraph_cache_misses_total{"), "no Redis-level miss tagged with the region:\n" + cacheLines);
        Assert.True(HasRedisLine(lines, "drsgraph_cache_hits_total{"), "no Redis-level hit tagged with the region:\n" + cacheLines);

        static bool HasRedisLine(string[] lines, string counter) => lines.Any(l => l.StartsWith(counter, StringComparison.Ordinal)
            && l.Contains("level=\"redis\"", StringComparison.Ordinal) && l.Contains($"drs_region=\"{TwoRegionRig.AwayRegion}\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_blank_region_argument_reads_the_request_s_region_as_an_absent_one_does()
    {
        await using var rig = await TwoRegionRig.StartAsync();
        var awayId = (await rig.Away.CreateJobsAsync(1, status: "INCRE_TRANSFER_STARTED", project: TwoRegionRig.AwayProject))[0];

        var answer = await rig.QueryAsync($"{{ job(id: \"{awayId}\", region: \"  \") {{ status }} }}", ("X-Drs-Region", TwoRegionRig.AwayRegion));

        answer.AssertNoErrors();
        Assert.Equal("INCRE_TRANSFER_STARTED", answer.Data!["job"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_header_picks_the_region_and_a_field_argument_overrides_it()
    {
        await using var rig = await TwoRegionRig.StartAsync();
        var homeId = (await rig.Home.CreateJobsAsync(1))[0];
        var awayId = (await rig.Away.CreateJobsAsync(1, status: "INCRE_TRANSFER_STARTED", project: TwoRegionRig.AwayProject))[0];
        await rig.ClearUpstreamLogsAsync();

        var answer = await rig.QueryAsync(
            $"{{ away: job(id: \"{awayId}\") {{ status }} home: job(id: \"{homeId}\", region: \"{TwoRegionRig.HomeRegion.ToUpperInvariant()}\") {{ status }} }}",
            ("X-Drs-Region", TwoRegionRig.AwayRegion));

        answer.AssertNoErrors();
        Assert.Equal("INCRE_TRANSFER_STARTED", answer.Data!["away"]!["status"]!.GetValue<string>());
        Assert.Equal("FULL_TRANSFER_STARTED", answer.Data!["home"]!["status"]!.GetValue<string>());
        Assert.Equal([awayId], Assert.Single(await rig.Away.UpstreamCallsAsync()).JobIds!);
        Assert.Equal([homeId], Assert.Single(await rig.Home.UpstreamCallsAsync()).JobIds!);
    }

    [Fact]
    public async Task A_named_project_is_kept_in_the_other_region()
    {
        const string project = "0f0e0d0c0b0a09080706050403020100";
        await using var rig = await TwoRegionRig.StartAsync();
        var awayId = (await rig.Away.CreateJobsAsync(1, project: project))[0];
        await rig.ClearUpstreamLogsAsync();

        var answer = await rig.QueryAsync($"{{ job(id: \"{awayId}\", region: \"{TwoRegionRig.AwayRegion}\") {{ status }} }}", ("X-Project-Id", project));

        answer.AssertNoErrors();
        Assert.Equal(project, Assert.Single(await rig.Away.UpstreamCallsAsync()).ProjectId);
        Assert.Empty(await rig.Home.UpstreamCallsAsync());
    }

    [Fact]
    public async Task An_unknown_region_is_a_clear_error_and_calls_nothing()
    {
        await using var rig = await TwoRegionRig.StartAsync();
        var homeId = (await rig.Home.CreateJobsAsync(1))[0];
        await rig.ClearUpstreamLogsAsync();

        // By argument: that field alone fails; the other is answered.
        var byArgument = await rig.QueryAsync($"{{ bad: job(id: \"{homeId}\", region: \"mars-1\") {{ status }} good: job(id: \"{homeId}\") {{ status }} }}");
        Assert.Equal(HttpStatusCode.OK, byArgument.Status);
        Assert.Equal("UNKNOWN_REGION", Assert.Single(byArgument.Codes));
        Assert.Contains("mars-1", byArgument.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains($"{TwoRegionRig.HomeRegion}, {TwoRegionRig.AwayRegion}", byArgument.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(byArgument.Data!["bad"]);
        Assert.Equal("FULL_TRANSFER_STARTED", byArgument.Data!["good"]!["status"]!.GetValue<string>());

        // By header: every root field fails, and no DRS is called.
        await rig.ClearUpstreamLogsAsync();
        var byHeader = await rig.QueryAsync($"{{ job(id: \"{homeId}\") {{ status }} }}", ("X-Drs-Region", "mars-1"));
        Assert.Equal("UNKNOWN_REGION", Assert.Single(byHeader.Codes));
        Assert.Null(byHeader.Data!["job"]);
        Assert.Empty(await rig.Home.UpstreamCallsAsync());
        Assert.Empty(await rig.Away.UpstreamCallsAsync());
    }

    [Fact]
    public async Task One_region_failing_leaves_the_other_answered_and_its_circuit_closed()
    {
        await using var rig = await TwoRegionRig.StartAsync(
            ("Drs:Resilience:CircuitBreaker:MinimumThroughput", "2"),
            ("Drs:Resilience:CircuitBreaker:FailureRatio", "0.5"),
            ("Drs:Resilience:CircuitBreaker:BreakDuration", "00:00:30"));
        var awayId = (await rig.Away.CreateJobsAsync(1, project: TwoRegionRig.AwayProject))[0];
        await rig.Away.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 500, failureCode = "DRS.M00004" });

        // Persistent 5xx in the away region until its breaker opens; the home region answers every time, from DRS.
        var opened = false;
        for (var i = 0; i < 10 && !opened; i++)
        {
            var homeId = (await rig.Home.CreateJobsAsync(1))[0];
            var answer = await rig.QueryAsync($"{{ home: job(id: \"{homeId}\") {{ status }} away: job(id: \"{awayId}\", region: \"{TwoRegionRig.AwayRegion}\") {{ status }} }}");
            Assert.Equal("FULL_TRANSFER_STARTED", answer.Data!["home"]!["status"]!.GetValue<string>());
            Assert.Equal("UPSTREAM_UNAVAILABLE", Assert.Single(answer.Codes));
            Assert.Equal(["away"], answer.Errors.Select(e => e!["path"]![0]!.GetValue<string>()));
            opened = answer.Errors[0]!["message"]!.GetValue<string>().Contains("circuit breaker", StringComparison.Ordinal);
        }

        Assert.True(opened, "the away region's circuit never opened");

        // Open away: its fields fail at once without calling it; home's fresh jobs still go to home's DRS.
        await rig.ClearUpstreamLogsAsync();
        var fresh = await rig.Home.CreateJobsAsync(2);
        var after = await rig.QueryAsync($"{{ home: jobs(ids: {GatewayFixture.IdList(fresh)}) {{ status }} away: job(id: \"{awayId}\", region: \"{TwoRegionRig.AwayRegion}\") {{ status }} }}");
        Assert.Equal("UPSTREAM_UNAVAILABLE", Assert.Single(after.Codes));
        Assert.Contains("circuit breaker", after.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.All(after.Data!["home"]!.AsArray(), j => Assert.Equal("FULL_TRANSFER_STARTED", j!["status"]!.GetValue<string>()));
        Assert.Equal(fresh.Order(), Assert.Single(await rig.Home.UpstreamCallsAsync()).JobIds!.Order());
        Assert.Empty(await rig.Away.UpstreamCallsAsync());

        // Readiness shows the worst circuit, and that one region's is not closed.
        var ready = JsonNode.Parse(await rig.Gateway.Client.GetStringAsync(HealthExtensions.ReadyPath))!;
        Assert.Equal("Open", ready["checks"]!["drs-circuit"]!["state"]!.GetValue<string>());
        Assert.Equal("1", ready["checks"]!["drs-circuit"]!["notClosed"]!.ToString());
        // And which: the away region's endpoint, by name in the description too.
        var awayEndpoint = DrsGraph.DrsClient.DrsCircuitGate.KeyOf(rig.Away.BaseAddress);
        Assert.Equal(awayEndpoint, ready["checks"]!["drs-circuit"]!["notClosedEndpoints"]!.GetValue<string>());
        Assert.StartsWith($"The DRS circuit of {awayEndpoint} is open", ready["checks"]!["drs-circuit"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_regions_own_total_timeout_bounds_its_calls_only()
    {
        await using var rig = await TwoRegionRig.StartAsync(($"Drs:Regions:{TwoRegionRig.AwayRegion}:TotalTimeout", "00:00:00.300"));
        var homeId = (await rig.Home.CreateJobsAsync(1))[0];
        var awayId = (await rig.Away.CreateJobsAsync(1, project: TwoRegionRig.AwayProject))[0];
        // Both regions as slow: past the away region's 300 ms, within the request's own 3 s budget.
        await rig.Home.SetFaultsAsync(new { latencyMs = 800 });
        await rig.Away.SetFaultsAsync(new { latencyMs = 800 });

        var answer = await rig.QueryAsync($"{{ home: job(id: \"{homeId}\") {{ status }} away: job(id: \"{awayId}\", region: \"{TwoRegionRig.AwayRegion}\") {{ status }} }}");

        Assert.Equal("UPSTREAM_TIMEOUT", Assert.Single(answer.Codes));
        Assert.Equal("away", answer.Errors[0]!["path"]![0]!.GetValue<string>());
        Assert.Equal("FULL_TRANSFER_STARTED", answer.Data!["home"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Each_region_has_cache_entries_of_its_own()
    {
        // The same job ID in both regions (different jobs): neither region's answer is served for the other.
        const string id = "5a0c1d2e-3f40-4a5b-8c6d-7e8f9a0bjb21";
        await using var rig = await TwoRegionRig.StartAsync();
        await rig.Home.CreateJobAsync(id, status: "FULL_TRANSFER_STARTED");
        await rig.Away.CreateJobAsync(id, status: "INCRE_TRANSFER_STARTED", project: TestEmulator.DemoProject);
        var query = $"{{ home: job(id: \"{id}\") {{ status }} away: job(id: \"{id}\", region: \"{TwoRegionRig.AwayRegion}\") {{ status }} }}";

        for (var i = 0; i < 2; i++)
        {
            var answer = await rig.QueryAsync(query, ("X-Project-Id", TestEmulator.DemoProject));
            answer.AssertNoErrors();
            Assert.Equal("FULL_TRANSFER_STARTED", answer.Data!["home"]!["status"]!.GetValue<string>());
            Assert.Equal("INCRE_TRANSFER_STARTED", answer.Data!["away"]!["status"]!.GetValue<string>());
        }
    }
}
