using System.Text.Json.Nodes;
using DrsGraph.Gateway.Subscriptions;
using DrsGraph.Gateway.Tests.GraphQLStreaming;

namespace DrsGraph.Gateway.Tests.Subscriptions;

/// <summary>
/// A thousand subscriptions of one caller within the shipped subscription limits (the rig's base raises the jobs per
/// caller; this puts back the default, 1 000, which the 20 jobs watched once each fit in, and the default 1 000
/// subscriptions per caller). The rate limiter is off: it would admit 1 000 operations of one token over 20 s, not at once.
/// </summary>
public sealed class ScaleSubscriptionRig : SubscriptionRig
{
    protected override IEnumerable<(string Key, string? Value)> Settings =>
    [
        ("Gateway:Security:RateLimit:Enabled", "false"),
        ("Gateway:Subscriptions:MaxJobsPerCaller", "1000"),
    ];
}

/// <summary>Issue 14's coalescing test at its full size, over real WebSockets: one poller, whatever the crowd.</summary>
public sealed class CoalescingAtScaleTests(ScaleSubscriptionRig rig) : IClassFixture<ScaleSubscriptionRig>
{
    private const int Connections = 50;
    private const int SubscriptionsPerConnection = 20;
    private const string Watch = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { id status } changes } }";

    [Fact]
    public async Task A_thousand_subscriptions_over_fifty_websockets_on_the_same_twenty_jobs_cost_at_most_one_batch_status_call_per_tick()
    {
        var ids = await rig.CreateJobsAsync(20);
        await rig.ClearUpstreamLogAsync();
        var ticksBefore = rig.Hub.Statistics.Ticks;
        var address = new Uri($"ws://{rig.Client.BaseAddress!.Authority}/graphql");

        var clients = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ =>
            GraphQLWsClient.ConnectAndInitAsync(address, new Dictionary<string, string> { ["X-Auth-Token"] = SubscriptionRig.Token })));
        try
        {
            await Task.WhenAll(clients.Select(async client =>
            {
                for (var s = 0; s < SubscriptionsPerConnection; s++)
                {
                    await client.SubscribeAsync($"s{s}", Watch, new { ids });
                }

                // Every subscription's first event of every job.
                var initial = await ReceiveNextAsync(client, SubscriptionsPerConnection * ids.Count);
                Assert.All(initial, m => Assert.Equal(["INITIAL"], Changes(m)));
                Assert.Equal(SubscriptionsPerConnection, initial.Select(m => m["id"]!.GetValue<string>()).Distinct().Count());
            }));

            Assert.Equal(new SubscriptionStatistics(Connections * SubscriptionsPerConnection, 1, ids.Count, rig.Hub.Statistics.Ticks), rig.Hub.Statistics);

            // One change: one event per subscription, found by one poll.
            (await rig.EmulatorClient.PostAsync($"/_emulator/jobs/{ids[7]}/transition", JsonContent("""{"status":"INCRE_TRANSFER_STARTED","frozen":true}"""))).EnsureSuccessStatusCode();
            await Task.WhenAll(clients.Select(async client =>
            {
                var changes = await ReceiveNextAsync(client, SubscriptionsPerConnection);
                Assert.All(changes, m => Assert.Equal(["STATUS"], Changes(m)));
                Assert.All(changes, m => Assert.Equal(ids[7], m["payload"]!["data"]!["jobUpdates"]!["job"]!["id"]!.GetValue<string>()));
            }));

            await rig.WaitForTicksAsync(3);
            var ticks = rig.Hub.Statistics.Ticks - ticksBefore;
            var statusCalls = (await rig.UpstreamCallsAsync()).Count(c => c.Endpoint == "status" && c.JobIds!.Intersect(ids).Any());
            // One more than the ticks counted: a poll may be under way while the log is read.
            Assert.InRange(statusCalls, 3, ticks + 1);
            Assert.DoesNotContain(await rig.UpstreamCallsAsync(), c => c.Endpoint != "status" && c.JobIds!.Intersect(ids).Any());
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        await rig.NoSubscriptionsLeftAsync();
    }

    private static async Task<List<JsonObject>> ReceiveNextAsync(GraphQLWsClient client, int count)
    {
        var messages = new List<JsonObject>(count);
        while (messages.Count < count)
        {
            var message = await client.ReceiveAsync();
            if ((string?)message["type"] == "ping")
            {
                continue;
            }

            Assert.True((string?)message["type"] == "next", $"Expected a next message, got {message.ToJsonString()}");
            messages.Add(message);
        }

        return messages;
    }

    private static string[] Changes(JsonObject message) =>
        [.. message["payload"]!["data"]!["jobUpdates"]!["changes"]!.AsArray().Select(c => c!.GetValue<string>())];

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
