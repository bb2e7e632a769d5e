using System.Diagnostics;
using System.Net.WebSockets;
using DrsGraph.Gateway.Tests.GraphQLHttp;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>
/// A WebSocket client that stops reading (its TCP window closed) while sending operations: the gateway's send
/// queue stays within GraphQL:Streaming:MaxPendingResults / MaxPendingBytes, a subscription it cannot feed ends
/// as over SSE, and a socket whose sends do not go out within SendTimeout is dropped. Others keep being served.
/// </summary>
public sealed class WebSocketSlowClientTests
{
    private const string Greet = "query($name: String) { hello(name: $name) }";

    /// <summary>About 150 KB per answer: a few dozen fill every network buffer between the gateway and the client.</summary>
    private static readonly string LongName = new('x', 150_000);

    [Fact]
    public async Task A_client_that_reads_nothing_is_dropped_after_the_send_timeout_with_one_log_line_and_others_are_served()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:SendTimeout", "00:00:01"));
        using var stalled = await StalledWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        // 13 MB of answers, fewer operations than MaxSubscriptionsPerConnection (100): only the timeout can end it.
        for (var i = 0; i < 90; i++)
        {
            await stalled.SendAsync(new { id = $"q{i}", type = "subscribe", payload = new { query = Greet, variables = new { name = LongName } } });
        }

        Assert.True(await stalled.WaitUntilDroppedAsync(TimeSpan.FromSeconds(30)), "The socket of a client that reads nothing was never dropped.");
        Assert.Equal(1, host.Logs.Count("its client read nothing for 1 s"));

        await using var other = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);
        await other.SubscribeAsync("1", "{ hello }");
        Assert.Equal("""{"id":"1","type":"next","payload":{"data":{"hello":"Hello, world!"}}}""", (await other.ReceiveAsync()).ToJsonString());
    }

    [Fact]
    public async Task A_subscription_whose_client_stops_reading_ends_with_subscription_ended_as_over_sse()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(
            ("GraphQL:Streaming:MaxPendingResults", "200"), ("GraphQL:Streaming:SendTimeout", "00:01:00"));
        using var stalled = await StalledWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        // One result a millisecond (200 of slack, for a loaded machine): a reading client keeps up with it for ever; one that stops reading cannot.
        await stalled.SendAsync(new { id = "t", type = "subscribe", payload = new { query = "subscription { ticks(count: 1000000, intervalMs: 1) }" } });
        for (var i = 0; i < 90; i++)
        {
            await stalled.SendAsync(new { id = $"q{i}", type = "subscribe", payload = new { query = Greet, variables = new { name = LongName } } });
        }

        await WaitForLogAsync(host, "subscription ended early");

        // Reading again: what was queued, then the subscription's end.
        var seen = 0;
        while (true)
        {
            var (message, close) = await stalled.ReceiveAsync();
            Assert.True(message is not null, $"Closed with {close} before the subscription ended");
            if (message.StartsWith("""{"id":"t","type":"error""", StringComparison.Ordinal))
            {
                Assert.Contains("SUBSCRIPTION_ENDED", message, StringComparison.Ordinal);
                break;
            }

            Assert.True(++seen < 10_000, "The subscription's results kept coming");
        }

        Assert.Equal(1, host.Logs.Count("subscription ended early"));
    }

    [Fact]
    public async Task The_send_queue_is_bounded_a_client_that_reads_nothing_and_keeps_subscribing_is_closed_with_1008()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(
            ("GraphQL:Streaming:MaxPendingResults", "2"), ("GraphQL:Streaming:MaxSubscriptionsPerConnection", "5"), ("GraphQL:Streaming:SendTimeout", "00:01:00"));
        using var stalled = await StalledWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        // With an unbounded queue all 150 would be answered at once (22 MB queued); bounded, the first operations
        // that find the queue full wait in it, and the next one over MaxSubscriptionsPerConnection finds no room
        // for its refusal.
        for (var i = 0; i < 150; i++)
        {
            await stalled.SendAsync(new { id = $"q{i}", type = "subscribe", payload = new { query = Greet, variables = new { name = LongName } } });
        }

        await WaitForLogAsync(host, "its client does not read");
        var answered = 0;
        while (true)
        {
            var (message, close) = await stalled.ReceiveAsync();
            if (message is null)
            {
                Assert.Equal(WebSocketCloseStatus.PolicyViolation, close);
                break;
            }

            answered += message.Contains("\"next\"", StringComparison.Ordinal) ? 1 : 0;
        }

        Assert.True(answered < 150, $"All {answered} queries were answered: the queue took them all.");
        Assert.Equal(1, host.Logs.Count("its client does not read"));
    }

    private static async Task WaitForLogAsync(GraphQLHttpTestHost host, string fragment)
    {
        var waited = Stopwatch.StartNew();
        while (host.Logs.Count(fragment) == 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"No log line '{fragment}':\n{host.Logs.All}");
            await Task.Delay(50);
        }
    }
}
