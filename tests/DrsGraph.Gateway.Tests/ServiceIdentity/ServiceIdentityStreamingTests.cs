using DrsGraph.Gateway.Tests.GraphQLStreaming;

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
}
