using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>
/// A graphql-transport-ws client over its own TCP socket with a tiny receive buffer, that reads only when told
/// to: the client that stops reading (its TCP window closes at once, so the server's sends soon wait).
/// </summary>
public sealed class StalledWsClient : IDisposable
{
    private readonly Socket _tcp;
    private readonly WebSocket _socket;

    private StalledWsClient(Socket tcp, WebSocket socket) => (_tcp, _socket) = (tcp, socket);

    public static async Task<StalledWsClient> ConnectAndInitAsync(Uri webSocketAddress)
    {
        var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        try
        {
            using var timeout = new CancellationTokenSource(GraphQLWsClient.Patience);
            await tcp.ConnectAsync(webSocketAddress.Host, webSocketAddress.Port, timeout.Token);
            var stream = new NetworkStream(tcp, ownsSocket: false);
            var key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"GET {webSocketAddress.AbsolutePath} HTTP/1.1\r\nHost: {webSocketAddress.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"), timeout.Token);

            // The response head, byte by byte: what follows it is the WebSocket's.
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                Assert.Equal(1, await stream.ReadAsync(one, timeout.Token));
                head.Append((char)one[0]);
            }

            Assert.StartsWith("HTTP/1.1 101", head.ToString(), StringComparison.Ordinal);
            var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, SubProtocol = "graphql-transport-ws", KeepAliveInterval = TimeSpan.Zero });
            var client = new StalledWsClient(tcp, socket);
            await client.SendAsync(new { type = "connection_init" });
            var (message, _) = await client.ReceiveAsync();
            Assert.Contains("connection_ack", message, StringComparison.Ordinal);
            return client;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public async Task SendAsync(object message)
    {
        using var timeout = new CancellationTokenSource(GraphQLWsClient.Patience);
        await _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
    }

    /// <summary>The next message's text, or null and the close status once the server closed.</summary>
    public async Task<(string? Message, WebSocketCloseStatus? Close)> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(GraphQLWsClient.Patience);
        var buffer = new byte[64 * 1024];
        using var text = new MemoryStream();
        ValueWebSocketReceiveResult received;
        do
        {
            received = await _socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return (null, _socket.CloseStatus);
            }

            text.Write(buffer, 0, received.Count);
        }
        while (!received.EndOfMessage);

        return (Encoding.UTF8.GetString(text.ToArray()), null);
    }

    /// <summary>
    /// Sends a ping every 100 ms without reading anything until a send fails (the server dropped the
    /// connection); false if it is still up after <paramref name="patience"/>.
    /// </summary>
    public async Task<bool> WaitUntilDroppedAsync(TimeSpan patience)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < patience)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.SendAsync("""{"type":"ping"}"""u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or SocketException or ObjectDisposedException)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    public void Dispose()
    {
        _socket.Dispose();
        _tcp.Dispose();
    }
}
