using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// A body Kestrel gives up on (too slow: 408, malformed chunks: 400) or a client that goes away mid-body is the client's trouble:
/// one log line without a stack trace, not an Error per connection. Raw sockets, since HttpClient cannot drip.
/// </summary>
public sealed class SlowBodyTests : IAsyncLifetime
{
    private const string Headers = "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAccept: application/graphql-response+json\r\nContent-Length: 1000\r\n\r\n";

    // Bodies up to 16 KB announced by Content-Length are read into an array of their size, longer ones in chunks.
    private static string HeadersFor(int length) => Headers.Replace("Content-Length: 1000", $"Content-Length: {length}", StringComparison.Ordinal);

    private GatewayRig _rig = null!;

    public Task InitializeAsync()
    {
        // Nothing here reaches DRS; Kestrel's default minimum body rate (240 B/s after a 5 s grace) is kept.
        _rig = GatewayRig.StartAgainstClosedPort(GatewayRig.With(null, ("Gateway:Security:RateLimit:Enabled", "false")));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task A_body_dripped_below_kestrels_minimum_rate_is_408_with_one_log_line_and_no_error()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, Headers + "{\"query\":\"");

        // One byte a second is far below 240 B/s: Kestrel ends the read once the grace period is over.
        var response = new StringBuilder();
        var buffer = new byte[4096];
        var started = Stopwatch.StartNew();
        while (started.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                await SendAsync(socket, "a");
            }
            catch (SocketException)
            {
                break;
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                if (read == 0)
                {
                    break;
                }

                response.Append(Encoding.ASCII.GetString(buffer, 0, read));
                if (response.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    break;
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException)
            {
                break;
            }
        }

        Assert.StartsWith("HTTP/1.1 408", response.ToString(), StringComparison.Ordinal);
        await AssertOneQuietLineAsync("timed out");
    }

    [Theory]
    [InlineData(false, 1000)]
    [InlineData(true, 1000)]
    [InlineData(false, 100_000)]
    [InlineData(true, 100_000)]
    public async Task A_client_that_goes_away_mid_body_leaves_no_error(bool reset, int announced)
    {
        using (var socket = await ConnectAsync())
        {
            await SendAsync(socket, HeadersFor(announced) + "{\"query\":\"{ __typ");
            await Task.Delay(200);
            if (reset)
            {
                // Linger 0: close sends RST instead of FIN.
                socket.LingerState = new LingerOption(true, 0);
            }
            else
            {
                socket.Shutdown(SocketShutdown.Send);
            }

            socket.Close();
        }

        await AssertOneQuietLineAsync(null);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(16 * 1024)]
    [InlineData((16 * 1024) + 1)]
    [InlineData(200_000)]
    public async Task A_whole_body_of_any_size_within_the_limit_is_read_whole(int length)
    {
        using var socket = await ConnectAsync();
        var prefix = "{\"query\":\"{ __typename }\\n#";
        var body = prefix + new string('x', length - prefix.Length - 2) + "\"}";
        Assert.Equal(length, Encoding.ASCII.GetByteCount(body));
        await SendAsync(socket, HeadersFor(length) + body);

        var response = new StringBuilder();
        var buffer = new byte[4096];
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!response.ToString().Contains("}}", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
            Assert.NotEqual(0, read);
            response.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        Assert.StartsWith("HTTP/1.1 200", response.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("{\"data\":{\"__typename\":\"Query\"}}", response.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zz\r\nabc\r\n0\r\n\r\n", "chunk size")]
    [InlineData("5\r\n{\"que\r\n3\r\nabcdef\r\n0\r\n\r\n", "chunk suffix")]
    public async Task A_malformed_chunked_body_is_400_with_one_log_line_and_no_error(string chunks, string reason)
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks);

        var buffer = new byte[4096];
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);

        Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        await AssertOneQuietLineAsync(reason);
    }

    private async Task<Socket> ConnectAsync()
    {
        var address = _rig.Client.BaseAddress!;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(address.Host, address.Port);
        return socket;
    }

    private static async Task SendAsync(Socket socket, string text) =>
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

    /// <summary>Waits for the request to finish, then: nothing at Error, no stack trace, at most one line from the endpoint (naming <paramref name="reason"/>).</summary>
    private async Task AssertOneQuietLineAsync(string? reason)
    {
        var waited = Stopwatch.StartNew();
        while (_rig.Logs.Count("Request finished HTTP/1.1 POST") == 0 && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        // Anything the app or Kestrel logs about the request is written before "Request finished".
        await Task.Delay(200);
        var entries = _rig.Logs.Entries.ToList();
        // Kestrel's own Debug line about bad request data carries the exception: Debug is not shown in production.
        var bad = entries.Where(e => e.StartsWith("Error ", StringComparison.Ordinal) || e.StartsWith("Critical ", StringComparison.Ordinal)
            || (!e.StartsWith("Debug ", StringComparison.Ordinal) && !e.StartsWith("Trace ", StringComparison.Ordinal) && e.Contains("   at ", StringComparison.Ordinal))).ToList();
        Assert.True(bad.Count == 0, $"error-level or stack-trace log entries:\n{string.Join("\n", bad.Take(3))}");
        var endpoint = entries.Where(e => e.Contains("GraphQLHttp.GraphQLHttpEndpoint", StringComparison.Ordinal)).ToList();
        Assert.True(endpoint.Count <= 1, $"more than one endpoint line:\n{string.Join("\n", endpoint)}");
        if (reason is not null)
        {
            var line = Assert.Single(endpoint);
            Assert.Contains(reason, line, StringComparison.OrdinalIgnoreCase);
            Assert.True(line.StartsWith("Information ", StringComparison.Ordinal) || line.StartsWith("Warning ", StringComparison.Ordinal), line);
        }
    }
}
