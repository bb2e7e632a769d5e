using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>A raw graphql-transport-ws client over <see cref="ClientWebSocket"/>: tests send exactly the messages they mean.</summary>
public sealed class GraphQLWsClient : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;

    private GraphQLWsClient(ClientWebSocket socket) => _socket = socket;

    public WebSocket Socket => _socket;

    /// <summary>Opens a socket offering the graphql-transport-ws subprotocol (or <paramref name="subProtocol"/>, none when empty).</summary>
    public static async Task<GraphQLWsClient> ConnectAsync(Uri address, string? subProtocol = "graphql-transport-ws", params (string Name, string Value)[] headers)
    {
        var socket = new ClientWebSocket();
        if (!string.IsNullOrEmpty(subProtocol))
        {
            socket.Options.AddSubProtocol(subProtocol);
        }

        socket.Options.CollectHttpResponseDetails = true;
        foreach (var (name, value) in headers)
        {
            socket.Options.SetRequestHeader(name, value);
        }

        using var timeout = new CancellationTokenSource(Patience);
        await socket.ConnectAsync(address, timeout.Token);
        return new GraphQLWsClient(socket);
    }

    /// <summary>Connects, sends connection_init with <paramref name="payload"/> and expects connection_ack.</summary>
    public static async Task<GraphQLWsClient> ConnectAndInitAsync(Uri address, object? payload = null)
    {
        var client = await ConnectAsync(address);
        await client.SendAsync(new { type = "connection_init", payload });
        var ack = await client.ReceiveAsync();
        Assert.Equal("connection_ack", ack["type"]!.GetValue<string>());
        return client;
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public Task SubscribeAsync(string id, string query, object? variables = null) =>
        SendAsync(new { id, type = "subscribe", payload = new { query, variables } });

    public async Task SendTextAsync(string text)
    {
        using var timeout = new CancellationTokenSource(Patience);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
    }

    /// <summary>The next message; fails when the socket closes instead.</summary>
    public async Task<JsonObject> ReceiveAsync()
    {
        var (message, close) = await ReceiveOrCloseAsync();
        Assert.True(message is not null, $"Expected a message, the socket closed: {close?.Status} {close?.Description}");
        return message;
    }

    /// <summary>Reads until the server closes the socket (ignoring messages), and answers its close frame.</summary>
    public async Task<(WebSocketCloseStatus? Status, string? Description)> ReceiveCloseAsync()
    {
        while (true)
        {
            var (message, close) = await ReceiveOrCloseAsync();
            if (message is null)
            {
                return close!.Value;
            }
        }
    }

    public async Task<(JsonObject? Message, (WebSocketCloseStatus? Status, string? Description)? Close)> ReceiveOrCloseAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[64 * 1024];
        using var text = new MemoryStream();
        WebSocketReceiveResult received;
        do
        {
            received = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                }

                return (null, (received.CloseStatus, received.CloseStatusDescription));
            }

            text.Write(buffer, 0, received.Count);
        }
        while (!received.EndOfMessage);

        return (JsonNode.Parse(text.ToArray())!.AsObject(), null);
    }

    /// <summary>Closes the socket normally from the client side.</summary>
    public async Task CloseAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
