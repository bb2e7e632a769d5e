using System.Text.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.Subscriptions;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>
/// An incremental job's delay and processedAt move at every poll while its percent stays 100: through both
/// transports, a subscriber that selects only percent is sent its first event and nothing more, while one that
/// selects processedAt is sent every move (README: an event only when something the selection shows changed).
/// </summary>
public sealed class ShownChangesOverTransportsTests(SubscriptionRig rig) : IClassFixture<SubscriptionRig>
{
    private const string PercentOnly = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { id progress { percent } } changes observedAt } }";
    private const string Moving = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { id progress { percent processedAt } } changes } }";

    private Uri WebSocketAddress => new($"ws://{rig.Client.BaseAddress!.Authority}/graphql");

    [Fact]
    public async Task Over_websocket_a_percent_only_subscriber_hears_nothing_while_processedAt_moves()
    {
        var id = await IncrementalJobAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(WebSocketAddress, new Dictionary<string, string> { ["X-Auth-Token"] = SubscriptionRig.Token });
        await client.SendAsync(new { id = "percent", type = "subscribe", payload = new { query = PercentOnly, variables = new { ids = new[] { id } } } });
        await client.SendAsync(new { id = "moving", type = "subscribe", payload = new { query = Moving, variables = new { ids = new[] { id } } } });

        var seen = new Dictionary<string, List<JsonNode>> { ["percent"] = [], ["moving"] = [] };
        async Task ReceiveUntilAsync(Func<bool> done)
        {
            while (!done())
            {
                var message = await client.ReceiveAsync();
                seen[(string)message["id"]!].Add(message);
            }
        }

        await ReceiveUntilAsync(() => seen["percent"].Count == 1 && seen["moving"].Count == 1);
        for (var moves = 1; moves <= 3; moves++)
        {
            rig.Time.Advance(TimeSpan.FromSeconds(3));
            await ReceiveUntilAsync(() => seen["moving"].Count > moves);
            Assert.Equal("""["PROGRESS"]""", seen["moving"][^1]["payload"]!["data"]!["jobUpdates"]!["changes"]!.ToJsonString());
        }

        // Gone: the percent-only subscriber's selection shows nothing new, so its stream just completes.
        await rig.DeleteJobAsync(id);
        await ReceiveUntilAsync(() => seen["percent"].Count == 2);

        Assert.Equal(
            $$$$"""{"data":{"jobUpdates":{"job":{"id":"{{{{id}}}}","progress":{"percent":100}},"changes":["INITIAL"]}}}""",
            Without(seen["percent"][0]["payload"]!, "observedAt"));
        Assert.Equal("""{"id":"percent","type":"complete"}""", seen["percent"][1].ToJsonString());
    }

    [Fact]
    public async Task Over_sse_a_percent_only_subscriber_hears_nothing_while_processedAt_moves()
    {
        var id = await IncrementalJobAsync();
        var variables = new { ids = new[] { id } };
        using var percent = await SseReader.PostAsync(rig.Client, JsonSerializer.Serialize(new { query = PercentOnly, variables }), ("X-Auth-Token", SubscriptionRig.Token));
        using var moving = await SseReader.PostAsync(rig.Client, JsonSerializer.Serialize(new { query = Moving, variables }), ("X-Auth-Token", SubscriptionRig.Token));

        var initial = JsonNode.Parse((await percent.ReadEventAsync()).Data!)!;
        Assert.Equal(
            $$$$"""{"data":{"jobUpdates":{"job":{"id":"{{{{id}}}}","progress":{"percent":100}},"changes":["INITIAL"]}}}""",
            Without(initial, "observedAt"));
        Assert.Equal("""["INITIAL"]""", JsonNode.Parse((await moving.ReadEventAsync()).Data!)!["data"]!["jobUpdates"]!["changes"]!.ToJsonString());
        string? processedAt = null;
        for (var moves = 1; moves <= 3; moves++)
        {
            rig.Time.Advance(TimeSpan.FromSeconds(3));
            var change = JsonNode.Parse((await moving.ReadEventAsync()).Data!)!["data"]!["jobUpdates"]!;
            Assert.Equal("""["PROGRESS"]""", change["changes"]!.ToJsonString());
            Assert.NotEqual(processedAt, (string?)change["job"]!["progress"]!["processedAt"]);
            processedAt = (string?)change["job"]!["progress"]!["processedAt"];
        }

        await rig.DeleteJobAsync(id);

        // Every move was polled, yet the percent-only stream's next item is its end.
        Assert.Equal(new SseItem("complete", "", false), await percent.ReadEventAsync());
    }

    /// <summary>A job in its incremental phase whose delay follows the emulator's (test-driven) clock.</summary>
    private async Task<string> IncrementalJobAsync() =>
        (await rig.CreateJobsAsync(1, status: "INCRE_TRANSFER_STARTED", frozen: false)).Single();

    private static string Without(JsonNode payload, string field)
    {
        var copy = payload.DeepClone();
        copy["data"]!["jobUpdates"]!.AsObject().Remove(field);
        return copy.ToJsonString();
    }
}
