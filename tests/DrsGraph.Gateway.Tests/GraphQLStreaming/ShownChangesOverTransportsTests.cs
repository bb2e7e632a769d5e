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

    [Fact]
    public async Task Over_sse_a_page_with_cursors_is_sent_once_while_processedAt_moves()
    {
        var id = await IncrementalJobAsync();
        // The rig's one project holds other tests' jobs: the page is this job's, by its name.
        var name = (await rig.Gateway.QueryAsync($"{{ job(id: \"{id}\") {{ detail {{ name }} }} }}", SubscriptionRig.Token)).AssertNoErrors().Data!["job"]!["detail"]!["name"]!.GetValue<string>();
        var arguments = $"first: 3, where: {{ status: {{ eq: INCRE_TRANSFER_STARTED }}, name: {{ eq: \"{name}\" }} }}";
        var withCursors = $"subscription {{ projectJobsUpdates({arguments}) {{ changes page {{ pageInfo {{ startCursor endCursor }} edges {{ cursor node {{ id progress {{ percent }} }} }} }} }} }}";
        var moving = $"subscription {{ projectJobsUpdates({arguments}) {{ changes page {{ edges {{ node {{ id progress {{ percent processedAt }} }} }} }} }} }}";
        using var page = await SseReader.PostAsync(rig.Client, JsonSerializer.Serialize(new { query = withCursors }), ("X-Auth-Token", SubscriptionRig.Token));
        using var watcher = await SseReader.PostAsync(rig.Client, JsonSerializer.Serialize(new { query = moving }), ("X-Auth-Token", SubscriptionRig.Token));

        var initial = JsonNode.Parse((await page.ReadEventAsync()).Data!)!["data"]!["projectJobsUpdates"]!;
        Assert.Equal("""["INITIAL"]""", initial["changes"]!.ToJsonString());
        Assert.Contains(id, initial["page"]!["edges"]!.AsArray().Select(e => (string?)e!["node"]!["id"]));
        Assert.Equal("""["INITIAL"]""", JsonNode.Parse((await watcher.ReadEventAsync()).Data!)!["data"]!["projectJobsUpdates"]!["changes"]!.ToJsonString());
        for (var moves = 1; moves <= 3; moves++)
        {
            // New cursors are issued at every move (they carry the gateway's time, in seconds), the percent stays 100.
            await NewCursorsAsync((string)initial["page"]!["pageInfo"]!["endCursor"]!, arguments);
            rig.Time.Advance(TimeSpan.FromSeconds(3));
            Assert.Equal("""["PROGRESS"]""", JsonNode.Parse((await watcher.ReadEventAsync()).Data!)!["data"]!["projectJobsUpdates"]!["changes"]!.ToJsonString());
        }

        // The job goes: its progress call may miss it a tick before the list does (progress null, PROGRESS), then it
        // leaves the page (MEMBERSHIP; TOTAL_COUNT stays named when the errors of the event before moved). Those are the cursors subscriber's next events; the moves sent it nothing.
        await rig.DeleteJobAsync(id);
        var shown = Nodes(initial);
        for (var events = 1; ; events++)
        {
            var next = JsonNode.Parse((await page.ReadEventAsync()).Data!)!["data"]!["projectJobsUpdates"]!;
            Assert.NotEqual(shown, Nodes(next));
            shown = Nodes(next);
            if (next["changes"]!.ToJsonString().Contains("MEMBERSHIP", StringComparison.Ordinal))
            {
                Assert.DoesNotContain(id, next["page"]!["edges"]!.AsArray().Select(e => (string?)e!["node"]!["id"]));
                break;
            }

            Assert.True(events < 2, next.ToJsonString());
            Assert.Equal("""["PROGRESS"]""", next["changes"]!.ToJsonString());
        }

        static string Nodes(JsonNode update) => new JsonArray([.. update["page"]!["edges"]!.AsArray().Select(e => e!["node"]!.DeepClone())]).ToJsonString();
    }

    /// <summary>Waits until projectJobs issues another cursor for the page than <paramref name="cursor"/> (a second later).</summary>
    private async Task NewCursorsAsync(string cursor, string arguments)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((string?)(await rig.Gateway.QueryAsync($"{{ projectJobs({arguments}) {{ pageInfo {{ endCursor }} }} }}", SubscriptionRig.Token)).AssertNoErrors().Data!["projectJobs"]!["pageInfo"]!["endCursor"] == cursor)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
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
