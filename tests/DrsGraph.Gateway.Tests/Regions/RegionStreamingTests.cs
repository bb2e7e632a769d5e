using DrsGraph.Gateway.Observability;
using DrsGraph.Gateway.Tests.GraphQLStreaming;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Regions;

/// <summary>Regions over a WebSocket (X-Drs-Region in connection_init, the region argument of jobUpdates and projectJobsUpdates) and on projectJobs.</summary>
public sealed class RegionStreamingTests
{
    private const string Watch = "subscription($ids: [ID!]!, $region: String) { jobUpdates(ids: $ids, region: $region) { job { id status } changes } }";

    [Fact]
    public async Task A_websocket_reads_the_region_of_its_connection_init_and_a_subscription_may_name_another()
    {
        await using var rig = await TwoRegionRig.StartAsync();
        var homeId = (await rig.Home.CreateJobsAsync(1))[0];
        var awayId = (await rig.Away.CreateJobsAsync(1, status: "INCRE_TRANSFER_STARTED", project: TwoRegionRig.AwayProject))[0];
        await rig.ClearUpstreamLogsAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(
            WebSocketAddress(rig),
            new Dictionary<string, string> { ["X-Auth-Token"] = TwoRegionRig.Token, ["X-Drs-Region"] = TwoRegionRig.AwayRegion });

        await client.SendAsync(new { id = "away", type = "subscribe", payload = new { query = Watch, variables = new { ids = new[] { awayId } } } });
        var away = await client.ReceiveAsync();
        Assert.Equal("away", (string?)away["id"]);
        Assert.Equal("INCRE_TRANSFER_STARTED", (string?)away["payload"]!["data"]!["jobUpdates"]!["job"]!["status"]);

        await client.SendAsync(new { id = "home", type = "subscribe", payload = new { query = Watch, variables = new { ids = new[] { homeId }, region = TwoRegionRig.HomeRegion } } });
        var home = await client.ReceiveAsync();
        Assert.Equal("home", (string?)home["id"]);
        Assert.Equal("FULL_TRANSFER_STARTED", (string?)home["payload"]!["data"]!["jobUpdates"]!["job"]!["status"]);

        // Each region's poller asked its own DRS about its own job only.
        Assert.All(await rig.Away.UpstreamCallsAsync(), c => Assert.Equal([awayId], c.JobIds!));
        Assert.All(await rig.Home.UpstreamCallsAsync(), c => Assert.Equal([homeId], c.JobIds!));
    }

    [Fact]
    public async Task A_page_watch_names_its_region_and_watches_that_region_s_project_only()
    {
        await using var rig = await TwoRegionRig.StartAsync();
        var awayIds = await rig.Away.CreateJobsAsync(2, project: TwoRegionRig.AwayProject);
        await rig.ClearUpstreamLogsAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(WebSocketAddress(rig), new Dictionary<string, string> { ["X-Auth-Token"] = TwoRegionRig.Token });

        await client.SubscribeAsync("page", "subscription($region: String) { projectJobsUpdates(first: 5, region: $region) { changes page { totalCount nodes { id } } } }", new { region = TwoRegionRig.AwayRegion });
        var page = (await client.ReceiveAsync())["payload"]!["data"]!["projectJobsUpdates"]!["page"]!;
        Assert.Equal(2, (int)page["totalCount"]!);
        Assert.Equal(awayIds.Order(), page["nodes"]!.AsArray().Select(n => (string)n!["id"]!).Order());

        // The away region's DRS listed the away region's default project; the home region was not asked.
        Assert.Contains(await rig.Away.UpstreamCallsAsync(), c => c.Endpoint == "list" && c.ProjectId == TwoRegionRig.AwayProject);
        Assert.Empty(await rig.Home.UpstreamCallsAsync());
    }

    [Fact]
    public async Task Subscription_metrics_carry_the_region_the_subscription_names()
    {
        await using var rig = await TwoRegionRig.StartAsync();

        await WatchAnAwayJobAsync(rig, async () =>
        {
            var missing = await MissingAwayLinesAsync(
                rig,
                ("drsgraph_subscriptions_poll_ticks_total", null),
                ("drsgraph_subscriptions_poll_upstream_calls_total", "endpoint=\"status\""),
                ("drsgraph_subscriptions_events_total", "kind=\"initial\""),
                ("drsgraph_subscriptions_pollers", null),
                ("drsgraph_subscriptions_watched_jobs", null));
            Assert.Empty(missing);
        });
    }

    [Fact]
    public async Task Shared_polling_metrics_carry_the_region_too()
    {
        await using var redis = await RedisServer.StartAsync();
        // MaxTick short: a first poll made before the Redis connection was up is followed soon by one that takes the lease.
        await using var rig = await TwoRegionRig.StartAsync(("ConnectionStrings:Redis", redis.ConnectionString), ("Gateway:Subscriptions:MaxTick", "00:00:02"));

        await WatchAnAwayJobAsync(rig, async () =>
        {
            // The only replica: it takes the scope's lease and publishes every poll it makes.
            var missing = await MissingAwayLinesAsync(
                rig,
                ("drsgraph_subscriptions_shared_takeovers_total", null),
                ("drsgraph_subscriptions_shared_leases_held", null),
                ("drsgraph_subscriptions_shared_published_total", null));
            Assert.Empty(missing);
        });
    }

    /// <summary>Runs <paramref name="check"/> while a subscription of the default-region connection watches a running job of the away region.</summary>
    private static async Task WatchAnAwayJobAsync(TwoRegionRig rig, Func<Task> check)
    {
        var awayId = (await rig.Away.CreateJobsAsync(1, status: "INCRE_TRANSFER_STARTED", project: TwoRegionRig.AwayProject))[0];
        // The connection's region is the default one: the subscription's argument alone picks the away region.
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(WebSocketAddress(rig), new Dictionary<string, string> { ["X-Auth-Token"] = TwoRegionRig.Token });

        await client.SubscribeAsync("away", Watch, new { ids = new[] { awayId }, region = TwoRegionRig.AwayRegion });
        var first = await client.ReceiveAsync();
        Assert.Equal("INCRE_TRANSFER_STARTED", (string?)first["payload"]!["data"]!["jobUpdates"]!["job"]!["status"]);
        await check();
    }

    /// <summary>
    /// The expected /metrics lines (a metric, and a label it must have too) that show no <c>drs_region</c> of the away
    /// region. Meters are shared by every gateway of this test process: labels are checked, not totals. The exporter
    /// caches /metrics briefly, so this reads again (while the poller goes on) until every line shows or time is up.
    /// </summary>
    private static async Task<string[]> MissingAwayLinesAsync(TwoRegionRig rig, params (string Metric, string? Label)[] expected)
    {
        string[] lines = [];
        for (var attempt = 0; attempt < 50 && !expected.All(HasAwayLine); attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt));
            lines = (await rig.Gateway.Client.GetStringAsync(ObservabilityExtensions.MetricsPath)).Split('\n');
        }

        return [.. expected.Where(e => !HasAwayLine(e)).Select(e => $"{e.Metric} {e.Label}".TrimEnd())];

        bool HasAwayLine((string Metric, string? Label) e) => lines.Any(l => l.StartsWith(e.Metric + "{", StringComparison.Ordinal)
            && l.Contains($"drs_region=\"{TwoRegionRig.AwayRegion}\"", StringComparison.Ordinal)
            && (e.Label is null || l.Contains(e.Label, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_websocket_naming_an_unknown_region_is_refused_with_4403()
    {
        await using var rig = await TwoRegionRig.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAsync(WebSocketAddress(rig));

        await client.SendAsync(new { type = "connection_init", payload = new Dictionary<string, string> { ["X-Auth-Token"] = TwoRegionRig.Token, ["X-Drs-Region"] = "mars-1" } });

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(4403, (int?)status);
        Assert.Contains("UNKNOWN_REGION", description, StringComparison.Ordinal);
    }

    /// <remarks>
    /// The region name went raw into the Information line of the refusal: a CR in it started a forged line of its own
    /// in the console log.
    /// </remarks>
    [Fact]
    public async Task A_region_name_with_control_characters_is_escaped_in_the_log_and_the_error()
    {
        const string Forging = "x\rinfo: Fake.Category[1]\r forged\u2028line";
        await using var rig = await TwoRegionRig.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAsync(WebSocketAddress(rig));

        await client.SendAsync(new { type = "connection_init", payload = new Dictionary<string, string> { ["X-Auth-Token"] = TwoRegionRig.Token, ["X-Drs-Region"] = Forging } });
        var (status, description) = await client.ReceiveCloseAsync();
        var byArgument = await rig.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\", region: \"x\\rforged\") { status } }");

        Assert.Equal(4403, (int?)status);
        Assert.DoesNotContain('\r', description!);
        var refusal = Assert.Single(rig.Gateway.Logs.Entries, e => e.Contains("its credentials were refused", StringComparison.Ordinal));
        Assert.Contains("region 'x\\u000Dinfo: Fake.Category[1]\\u000D forged\\u2028line'", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', refusal);
        Assert.DoesNotContain('\u2028', refusal);
        Assert.Equal("UNKNOWN_REGION", Assert.Single(byArgument.Codes));
        Assert.Contains("region 'x\\u000Dforged'", byArgument.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProjectJobs_lists_the_region_it_names_in_that_regions_default_project()
    {
        await using var rig = await TwoRegionRig.StartAsync();
        var awayIds = await rig.Away.CreateJobsAsync(2, project: TwoRegionRig.AwayProject);
        await rig.ClearUpstreamLogsAsync();

        var answer = await rig.QueryAsync($"{{ projectJobs(region: \"{TwoRegionRig.AwayRegion}\", first: 10) {{ edges {{ node {{ id status }} }} }} }}");

        answer.AssertNoErrors();
        Assert.Equal(awayIds.Order(), answer.Data!["projectJobs"]!["edges"]!.AsArray().Select(e => e!["node"]!["id"]!.GetValue<string>()).Order());
        Assert.All(await rig.Away.UpstreamCallsAsync(), c => Assert.Equal(TwoRegionRig.AwayProject, c.ProjectId));
        Assert.Empty(await rig.Home.UpstreamCallsAsync());
    }

    private static Uri WebSocketAddress(TwoRegionRig rig) => new($"ws://{rig.Gateway.Client.BaseAddress!.Authority}/graphql");
}
