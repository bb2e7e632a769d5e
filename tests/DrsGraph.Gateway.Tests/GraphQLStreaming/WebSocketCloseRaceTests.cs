using System.Net.WebSockets;
using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>
/// A client that closes its WebSocket right after <c>subscribe</c>: the operation starts as the socket's request ends.
/// </summary>
/// <remarks>
/// The operation read the socket's HttpContext after ASP.NET Core had disposed it: about one close in ten logged an
/// Error with a stack trace (ObjectDisposedException, "IFeatureCollection has been disposed", from the caller context or
/// the rate limiter's charge). The socket's request now waits for its operations to end.
/// </remarks>
public sealed class WebSocketCloseRaceTests
{
    [Fact]
    public async Task Closing_right_after_subscribe_logs_no_error()
    {
        await using var rig = await GatewayRig.StartAsync();
        var address = new Uri($"ws://{rig.Client.BaseAddress!.Authority}/graphql");

        for (var i = 0; i < 100; i++)
        {
            await using var client = await GraphQLWsClient.ConnectAndInitAsync(address, new Dictionary<string, string> { ["X-Auth-Token"] = $"race-{i}" });
            await client.SubscribeAsync("s", "subscription { jobUpdates(ids: [\"9a470239-2308-4bb5-a6bc-1040402fjb21\"]) { job { id status } } }");
            using var timeout = new CancellationTokenSource(GraphQLWsClient.Patience);
            await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }

        // Let the last operations end, then read the log.
        await Task.Delay(2000);
        Assert.DoesNotContain(rig.Logs.Entries, line => line.StartsWith("Error ", StringComparison.Ordinal) || line.StartsWith("Critical ", StringComparison.Ordinal));
        rig.Logs.AssertNone("ObjectDisposedException");
    }
}
