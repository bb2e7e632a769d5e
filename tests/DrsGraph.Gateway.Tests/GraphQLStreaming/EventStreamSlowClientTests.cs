using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using DrsGraph.Gateway.Tests.GraphQLHttp;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>
/// An event stream whose client stops reading (its TCP window closed): the write the gateway is in waits, and past
/// GraphQL:Streaming:SendTimeout the connection is dropped with one line, ending the subscription, as a WebSocket is.
/// </summary>
/// <remarks>
/// It was held for as long as the client kept the TCP connection: its connection slot, its subscription and (in the
/// gateway) its poller, polling DRS every tick for nobody.
/// </remarks>
public sealed class EventStreamSlowClientTests
{
    [Fact]
    public async Task A_client_that_reads_nothing_is_dropped_after_the_send_timeout_with_one_log_line()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:SendTimeout", "00:00:01"));
        using var stalled = await StalledRequestAsync(host, """{"query":"subscription { padded(count: 100000000, intervalMs: 1, padding: 20000) }"}""");

        await WaitForLogAsync(host, "Dropped a GraphQL event stream: its client read nothing for 1 s");

        Assert.Equal(1, host.Logs.Count("Dropped a GraphQL event stream"));
        host.Logs.AssertNone("   at ");
        // Others are served.
        using var other = await SseReader.PostAsync(host.Client, """{"query":"{ hello }"}""");
        Assert.Equal("next", (await other.ReadEventAsync()).Event);
    }

    [Fact]
    public async Task A_single_connection_stream_that_reads_nothing_is_dropped_too()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:SendTimeout", "00:00:01"));
        using var reserve = await host.Client.PutAsync("/graphql", null);
        var token = await reserve.Content.ReadAsStringAsync();
        using var stalled = await StalledRequestAsync(host, null, token);
        using var subscribe = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent("""{"query":"subscription { padded(count: 100000000, intervalMs: 1, padding: 20000) }","extensions":{"operationId":"t"}}""", Encoding.UTF8, "application/json"),
        };
        subscribe.Headers.Add("X-GraphQL-Event-Stream-Token", token);
        using var accepted = await host.Client.SendAsync(subscribe);
        Assert.True(accepted.IsSuccessStatusCode, await accepted.Content.ReadAsStringAsync());

        await WaitForLogAsync(host, "Dropped a GraphQL event stream: its client read nothing for 1 s");

        Assert.Equal(1, host.Logs.Count("Dropped a GraphQL event stream"));
        host.Logs.AssertNone("   at ");
    }

    /// <summary>
    /// Opens an event stream over a socket whose receive window is 4 KB and never read: a POST of <paramref name="body"/>
    /// (distinct connections mode), or the GET of single connection mode's <paramref name="token"/>.
    /// </summary>
    private static async Task<Socket> StalledRequestAsync(GraphQLHttpTestHost host, string? body, string? token = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port);
        var request = body is not null
            ? $"POST /graphql HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}"
            : $"GET /graphql HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nAccept: text/event-stream\r\nX-GraphQL-Event-Stream-Token: {token}\r\n\r\n";
        await socket.SendAsync(Encoding.UTF8.GetBytes(request));
        return socket;
    }

    private static async Task WaitForLogAsync(GraphQLHttpTestHost host, string fragment)
    {
        var deadline = Stopwatch.StartNew();
        while (host.Logs.Count(fragment) == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), $"Never logged '{fragment}':\n{host.Logs.All}");
            await Task.Delay(100);
        }
    }
}
