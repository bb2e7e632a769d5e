using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.GraphQLStreaming;
using DrsGraph.Gateway.Tests.Subscriptions;

namespace DrsGraph.Gateway.Tests.ServiceIdentity;

/// <summary>A WebSocket caller states its JWT in <c>connection_init</c>, like the other caller headers.</summary>
public sealed class ServiceIdentityStreamingTests(ServiceIdentityFixture fixture) : IClassFixture<ServiceIdentityFixture>
{
    private const string Watch = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { id status } changes } }";

    private Uri WebSocketAddress => new($"ws://{fixture.Gateway.Client.BaseAddress!.Authority}/graphql");

    [Fact]
    public async Task A_jwt_in_connection_init_subscribes_and_the_poller_reads_drs_with_the_held_credential()
    {
        var id = $"{Guid.NewGuid().ToString()[..24]}{Random.Shared.Next():x8}jb21";
        await fixture.Emulator.CreateJobAsync(id);
        var jwt = fixture.Minter.Mint(new Dictionary<string, object?> { ["sub"] = "svc-reports", ["scope"] = "drs.read" });
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(WebSocketAddress, new Dictionary<string, string> { ["Authorization"] = "Bearer " + jwt });

        await client.SendAsync(new { id = "w", type = "subscribe", payload = new { query = Watch, variables = new { ids = new[] { id } } } });

        var initial = await client.ReceiveAsync();
        Assert.Equal("next", (string?)initial["type"]);
        Assert.Equal("FULL_TRANSFER_STARTED", (string?)initial["payload"]!["data"]!["jobUpdates"]!["job"]!["status"]);
    }

    [Fact]
    public async Task An_expired_jwt_in_connection_init_closes_the_socket_with_4403()
    {
        var jwt = fixture.Minter.Mint(new Dictionary<string, object?> { ["sub"] = "svc-reports", ["scope"] = "drs.read" }, expires: TimeSpan.FromMinutes(-5));
        await using var client = await GraphQLWsClient.ConnectAsync(WebSocketAddress);

        await client.SendAsync(new { type = "connection_init", payload = new Dictionary<string, string> { ["Authorization"] = "Bearer " + jwt } });

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(4403, (int?)status);
        Assert.Contains("INVALID_BEARER_TOKEN", description, StringComparison.Ordinal);
    }

    /// <summary>A JWT the gateway accepts for about 7 more seconds: expired 53 s ago, within the fixture's 60 s clock skew.</summary>
    private string ExpiringJwt() =>
        fixture.Minter.Mint(new Dictionary<string, object?> { ["sub"] = "svc-reports", ["scope"] = "drs.read" }, expires: TimeSpan.FromSeconds(-53));

    private async Task<string> FrozenJobAsync()
    {
        var id = $"{Guid.NewGuid().ToString()[..24]}{Random.Shared.Next():x8}jb21";
        await fixture.Emulator.CreateJobAsync(id);
        return id;
    }

    /// <remarks>
    /// DRS never sees the caller's JWT (the gateway calls it with the credential it holds), so a stream resolved once
    /// at its start went on for hours after the token had expired. The job is frozen: without the expiry nothing
    /// would end the stream and the read would time out.
    /// </remarks>
    [Fact]
    public async Task An_sse_subscription_ends_with_invalid_bearer_token_when_its_jwt_expires()
    {
        var id = await FrozenJobAsync();
        var body = JsonSerializer.Serialize(new { query = Watch, variables = new { ids = new[] { id } } });

        using var stream = await SseReader.PostAsync(fixture.Gateway.Client, body, ("Authorization", "Bearer " + ExpiringJwt()));
        Assert.Equal(HttpStatusCode.OK, stream.Status);
        var initial = JsonNode.Parse((await stream.ReadEventAsync()).Data!)!;
        var last = JsonNode.Parse((await stream.ReadEventAsync()).Data!)!;

        Assert.Equal("FULL_TRANSFER_STARTED", (string?)initial["data"]!["jobUpdates"]!["job"]!["status"]);
        AssertExpired(last);
        Assert.Equal(new SseItem("complete", "", false), await stream.ReadEventAsync());
        // The line is written once the stream is completed, so it may follow the client's last read by a moment.
        await SubscriptionRig.Eventually(() => fixture.Gateway.Logs.Entries.Any(e => e.StartsWith("Information ", StringComparison.Ordinal)
            && e.Contains("A subscription in project " + ServiceIdentityFixture.DemoProject + " ended: its caller's bearer token expired", StringComparison.Ordinal)), "the expiry's log line");
    }

    [Fact]
    public async Task A_websocket_subscription_ends_with_invalid_bearer_token_when_its_jwt_expires_and_the_socket_stays_open()
    {
        var id = await FrozenJobAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(WebSocketAddress, new Dictionary<string, string> { ["Authorization"] = "Bearer " + ExpiringJwt() });

        await client.SendAsync(new { id = "w", type = "subscribe", payload = new { query = Watch, variables = new { ids = new[] { id } } } });
        var initial = await client.ReceiveAsync();
        var last = await client.ReceiveAsync();
        var complete = await client.ReceiveAsync();
        await client.SendAsync(new { type = "ping" });
        var pong = await client.ReceiveAsync();

        Assert.Equal("FULL_TRANSFER_STARTED", (string?)initial["payload"]!["data"]!["jobUpdates"]!["job"]!["status"]);
        Assert.Equal("next", (string?)last["type"]);
        AssertExpired(last["payload"]!);
        Assert.Equal("complete", (string?)complete["type"]);
        Assert.Equal("w", (string?)complete["id"]);
        Assert.Equal("pong", (string?)pong["type"]);
    }

    private static void AssertExpired(JsonNode result)
    {
        var error = Assert.Single(result["errors"]!.AsArray())!;
        Assert.Equal("INVALID_BEARER_TOKEN", (string?)error["extensions"]!["code"]);
        Assert.StartsWith("The bearer token has expired: this subscription ended.", (string?)error["message"], StringComparison.Ordinal);
        Assert.Null(result["data"]);
    }
}
