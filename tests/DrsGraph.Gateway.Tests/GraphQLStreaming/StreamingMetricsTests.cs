using System.Text.RegularExpressions;
using DrsGraph.Gateway.Tests.Operations;
using DrsGraph.Gateway.Tests.Subscriptions;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>
/// Runs alone, after the parallel collections. The streaming gauges are static instruments, so every host in the
/// test process reports into each host's exporter: a subscription of a concurrent test that opened before this
/// rig's exporter started and closed after it is counted here as -1, and the gauge can read 0 with one open.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StreamingMetricsTestGroup
{
    public const string Name = "streaming-metrics";
}

/// <summary>Open connections, active subscriptions and events sent, by transport, on the real gateway's /metrics.</summary>
[Collection(StreamingMetricsTestGroup.Name)]
public sealed class StreamingMetricsTests(SubscriptionRig rig) : IClassFixture<SubscriptionRig>
{
    private const string Watch = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { id status isTerminal } changes } }";

    private Uri WebSocketAddress => new($"ws://{rig.Client.BaseAddress!.Authority}/graphql");

    [Fact]
    public async Task Open_connections_active_subscriptions_and_events_sent_are_in_the_metrics_by_transport()
    {
        var id = (await rig.CreateJobsAsync(1)).Single();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(WebSocketAddress, new Dictionary<string, string> { ["X-Auth-Token"] = SubscriptionRig.Token });
        await client.SendAsync(new { id = "jobs", type = "subscribe", payload = new { query = Watch, variables = new { ids = new[] { id } } } });
        Assert.Equal("next", (string?)(await client.ReceiveAsync())["type"]);

        const string Sent = """drsgraph_graphql_events_sent_total\{[^}]*transport="websocket"[^}]*\} [1-9]""";
        var metrics = await PrometheusText.ScrapeUntilAsync(rig.Client, m => Regex.IsMatch(m, Sent));

        Assert.Matches("""drsgraph_graphql_connections\{[^}]*transport="websocket"[^}]*\} [1-9]""", metrics);
        Assert.Matches("""drsgraph_graphql_subscriptions\{[^}]*transport="websocket"[^}]*\} [1-9]""", metrics);
        Assert.Matches(Sent, metrics);
    }
}
