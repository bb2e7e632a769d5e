using DrsGraph.Gateway.Tests.GraphQLStreaming;

namespace DrsGraph.Gateway.Tests.Regions;

/// <summary>Regions over a WebSocket (X-Drs-Region in connection_init, the region argument of jobUpdates) and on projectJobs.</summary>
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
    public async Task A_websocket_naming_an_unknown_region_is_refused_with_4403()
    {
        await using var rig = await TwoRegionRig.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAsync(WebSocketAddress(rig));

        await client.SendAsync(new { type = "connection_init", payload = new Dictionary<string, string> { ["X-Auth-Token"] = TwoRegionRig.Token, ["X-Drs-Region"] = "mars-1" } });

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(4403, (int?)status);
        Assert.Contains("UNKNOWN_REGION", description, StringComparison.Ordinal);
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
