using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using DrsGraph.Gateway.Tests.GraphQLHttp;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>
/// Frames the runtime refuses below graphql-transport-ws (sent over a raw socket, as no WebSocket client would send
/// them): the runtime closes with 1002 or 1007 and the gateway logs one Information line saying so.
/// </summary>
public sealed class WebSocketProtocolViolationTests
{
    /// <remarks>
    /// They were logged at Debug only ("ended without a close handshake", with a stack trace), as if the client had
    /// simply gone: invisible at the default level.
    /// </remarks>
    [Theory]
    // A text frame "hello" without the mask every client frame must carry (long enough for the header and mask a server reads first).
    [InlineData(new byte[] { 0x81, 0x05, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' }, 1002)]
    // A masked (all-zero mask) text frame whose payload is not UTF-8.
    [InlineData(new byte[] { 0x81, 0x82, 0, 0, 0, 0, 0xC3, 0x28 }, 1007)]
    public async Task A_frame_breaking_the_websocket_protocol_is_closed_by_the_runtime_and_logged_once_at_information(byte[] frame, int closeCode)
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        using var tcp = new TcpClient();
        using var timeout = new CancellationTokenSource(GraphQLWsClient.Patience);
        await tcp.ConnectAsync(host.BaseAddress.Host, host.BaseAddress.Port, timeout.Token);
        var stream = tcp.GetStream();
        var upgrade = $"GET /graphql HTTP/1.1\r\nHost: {host.BaseAddress.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(upgrade), timeout.Token);
        var head = await ReadHeadAsync(stream, timeout.Token);
        Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);

        await stream.WriteAsync(frame, timeout.Token);
        var close = new byte[4];
        var received = await ReadUpToAsync(stream, close, timeout.Token);
        while (host.Logs.Count("broke the WebSocket protocol") == 0)
        {
            // The line follows the close frame: wait for it, bounded by the token.
            await Task.Delay(20, timeout.Token);
        }

        // The runtime aborts the connection right after its close frame, and now and then (seen once in CI) the
        // reset reaches this socket before the frame is read: then only the log line below says what happened.
        if (received == close.Length)
        {
            Assert.Equal(0x88, close[0]);
            Assert.Equal(closeCode, BinaryPrimitives.ReadUInt16BigEndian(close.AsSpan(2)));
        }

        var line = Assert.Single(host.Logs.Entries, e => e.Contains("broke the WebSocket protocol", StringComparison.Ordinal));
        Assert.StartsWith("Information ", line, StringComparison.Ordinal);
        // No exception (and so no stack trace) with it: the entry ends with an empty exception part.
        Assert.EndsWith("| ", line, StringComparison.Ordinal);
        Assert.Equal(0, host.Logs.Count("ended without a close handshake"));
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the server ends the connection (closed or reset).</summary>
    private static async Task<int> ReadUpToAsync(NetworkStream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        try
        {
            while (total < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }
        }
        catch (IOException)
        {
            // Reset by the server.
        }

        return total;
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            head.Append((char)one[0]);
        }

        return head.ToString();
    }
}
