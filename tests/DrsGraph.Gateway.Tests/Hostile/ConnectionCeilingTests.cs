using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using DrsGraph.Gateway.Limits;
using DrsGraph.Gateway.Tests.Infrastructure;
using DrsGraph.Gateway.Tests.Operations;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// Connections held open past what the process has file descriptors for. Before the ceiling, 1 100 idle connections to a
/// gateway under an open-file limit of 1 024 left it unable to load an assembly it needed for its next answer (a type
/// initializer that failed for good): after the client let go it answered nothing. With 20 000 and 22 000 connections
/// the runtime died ("Fatal error. Internal CLR error").
/// </summary>
public sealed class ConnectionCeilingTests
{
    private const string ReadmeJob = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_flood_of_held_connections_past_the_open_file_limit_is_refused_and_the_gateway_serves_after_it()
    {
        await using var gateway = await GatewayProcess.StartAsync("Development", new Dictionary<string, string>
        {
            ["Gateway:Health:WarmUpRequests"] = "0",
        }, StartTimeout, openFileLimit: 1024);
        var ceiling = ConnectionCeiling.Derived(1024);
        Assert.Equal(512, ceiling);

        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < 1100; i++)
            {
                held.Add(await ConnectAsync(gateway.BaseAddress));
            }

            await gateway.WaitForOutputAsync("Connection refused", TimeSpan.FromSeconds(30));

            // The gateway holds exactly its ceiling; every connection past it was closed as it was accepted.
            var closed = await WaitForClosedAsync(held, held.Count - ceiling, TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Equal(held.Count - ceiling, closed);
            Assert.Equal(held.Count - ceiling, CountClosed(held));
        }
        finally
        {
            foreach (var socket in held)
            {
                socket.Dispose();
            }
        }

        // Room again once the flood lets go: the next caller is answered in full.
        var answer = await RetryAsync(() => gateway.Client.GetAsync(new Uri("/health/live", UriKind.Relative)));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var query = await gateway.Client.PostAsync(
            new Uri("/graphql", UriKind.Relative),
            new StringContent($$"""{"query":"{ job(id: \"{{ReadmeJob}}\") { id status } }"}""", System.Text.Encoding.UTF8, "application/json"));
        var body = await query.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        Assert.Contains($"\"id\":\"{ReadmeJob}\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"errors\"", body, StringComparison.Ordinal);

        // One line a second at most, naming the setting and where its value came from; nothing failed.
        var lines = gateway.Entries.Where(line => line.Contains("Connection refused", StringComparison.Ordinal)).ToList();
        Assert.InRange(lines.Count, 1, 40);
        Assert.All(lines, line => Assert.Contains("the ceiling Gateway:Limits:MaxConnections=512 (from the open-file limit 1024)", line, StringComparison.Ordinal));
        Assert.DoesNotContain("fail:", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Could not load", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ceiling_as_set_counts_WebSockets_too_and_frees_a_place_when_a_connection_closes()
    {
        await using var gateway = await GatewayProcess.StartAsync("Development", new Dictionary<string, string>
        {
            ["Gateway:Health:WarmUpRequests"] = "0",
            ["Gateway:Limits:MaxConnections"] = "3",
        }, StartTimeout);

        using var webSocket = new ClientWebSocket();
        webSocket.Options.AddSubProtocol("graphql-transport-ws");
        await webSocket.ConnectAsync(new Uri($"ws://{gateway.BaseAddress.Authority}/graphql"), CancellationToken.None);
        var first = await ConnectAsync(gateway.BaseAddress);
        using var second = await ConnectAsync(gateway.BaseAddress);
        using var refused = await ConnectAsync(gateway.BaseAddress);

        Assert.Equal(1, await WaitForClosedAsync([refused], 1, TimeSpan.FromSeconds(10)));
        Assert.Equal(0, CountClosed([first, second]));
        Assert.Equal(WebSocketState.Open, webSocket.State);
        await gateway.WaitForOutputAsync("the ceiling Gateway:Limits:MaxConnections=3 (as set)", TimeSpan.FromSeconds(10));

        first.Dispose();
        var answer = await RetryAsync(() => gateway.Client.GetAsync(new Uri("/health/live", UriKind.Relative)));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);

        // Counted where operators look (the same pooled connection: the ceiling is still full).
        var metrics = await PrometheusText.ScrapeUntilAsync(gateway.Client, m => m.Contains("drsgraph_connections_refused", StringComparison.Ordinal));
        Assert.Matches(@"drsgraph_connections_refused_total(\{[^}]*\})? [1-9]", metrics);
    }

    [Fact]
    public async Task A_ceiling_set_above_what_the_open_file_limit_allows_is_said_once_at_start_up()
    {
        await using var gateway = await GatewayProcess.StartAsync("Development", new Dictionary<string, string>
        {
            ["Gateway:Health:WarmUpRequests"] = "0",
            ["Gateway:Limits:MaxConnections"] = "5000",
        }, StartTimeout, openFileLimit: 1024);

        Assert.Single(gateway.Entries, line => line.StartsWith("warn:", StringComparison.Ordinal)
            && line.Contains("Gateway:Limits:MaxConnections=5000 is more than the process's open-file limit 1024 leaves for connections (512)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(256, 128)]
    [InlineData(1024, 512)]
    [InlineData(4096, 3584)]
    [InlineData(20_000, 17_500)]
    [InlineData(1_048_576, 917_504)]
    public void The_default_leaves_an_eighth_of_the_open_file_limit_at_least_512_at_most_half(long openFiles, int ceiling) =>
        Assert.Equal(ceiling, ConnectionCeiling.Derived(openFiles));

    [Theory]
    [InlineData(512L << 20, 16_384)]
    [InlineData(384L << 20, 12_288)]
    [InlineData(23L << 30, 753_664)]
    [InlineData(1L << 20, 64)]
    public void By_memory_a_quarter_of_it_at_8_KiB_a_connection(long memoryBytes, int ceiling) =>
        Assert.Equal(ceiling, ConnectionCeiling.ForMemory(memoryBytes));

    [Theory]
    [InlineData("Max open files            20000                20000                files     ", 20_000L)]
    [InlineData("Max open files            1024                 524288               files     ", 1024L)]
    [InlineData("Max open files            unlimited            unlimited            files     ", null)]
    [InlineData("Max processes             63704                63704                processes ", null)]
    public void The_open_file_limit_is_the_soft_one_in_proc_limits(string line, long? expected)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "Limit                     Soft Limit           Hard Limit           Units     \n" + line + "\n");
            Assert.Equal(expected, ConnectionCeiling.OpenFileLimit(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void No_proc_limits_reads_as_no_limit() =>
        Assert.Null(ConnectionCeiling.OpenFileLimit(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));

    private static async Task<Socket> ConnectAsync(Uri address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, address.Port);
        return socket;
    }

    /// <summary>Sockets the gateway has closed: readable with nothing to read (end of stream), or reset.</summary>
    private static int CountClosed(IEnumerable<Socket> sockets) => sockets.Count(socket =>
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    });

    private static async Task<int> WaitForClosedAsync(IReadOnlyCollection<Socket> sockets, int expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var closed = CountClosed(sockets);
        while (closed < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
            closed = CountClosed(sockets);
        }

        return closed;
    }

    /// <summary>The first answer within 10 s: the gateway frees the flood's places as it sees them close.</summary>
    private static async Task<HttpResponseMessage> RetryAsync(Func<Task<HttpResponseMessage>> send)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                return await send();
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }
    }
}
