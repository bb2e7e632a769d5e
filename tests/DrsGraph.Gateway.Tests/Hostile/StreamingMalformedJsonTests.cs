using System.Net;
using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.GraphQLStreaming;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// JSON that parses but cannot be read (an escaped lone UTF-16 surrogate) in a WebSocket message, wherever it
/// sits, is a malformed message: close 4400 and one Information line, never 4500 with a stack trace. Over SSE the
/// same body is an <c>INVALID_JSON</c> event on the stream.
/// </summary>
public sealed class StreamingMalformedJsonTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    private const string BadMessage = "Closed a GraphQL WebSocket: a bad message";

    private Uri WebSocketAddress => new($"ws://{fixture.Rig.Client.BaseAddress!.Authority}/graphql");

    public static TheoryData<string, bool, string> Messages() => new()
    {
        { "the type", false, """{"type":"\ud800"}""" },
        { "the type, after connection_ack", true, """{"type":"connection_\udc00"}""" },
        { "a connection_init payload value", false, $$$"""{"type":"connection_init","payload":{"X-Auth-Token":"{{{GatewayRig.Token}}}\ud800"}}""" },
        { "a connection_init payload name", false, """{"type":"connection_init","payload":{"X-\ud800":"x"}}""" },
        { "the id of a subscribe", true, """{"id":"\ud800","type":"subscribe","payload":{"query":"{ __typename }"}}""" },
        { "the id of a complete", true, """{"id":"a\udfff","type":"complete"}""" },
        { "the query", true, """{"id":"1","type":"subscribe","payload":{"query":"{ __typename } \ud800"}}""" },
        { "the operation name", true, """{"id":"1","type":"subscribe","payload":{"query":"query A { __typename }","operationName":"A\ud800"}}""" },
        { "a variable's name", true, """{"id":"1","type":"subscribe","payload":{"query":"{ __typename }","variables":{"\ud800":1}}}""" },
        { "a variable's value", true, """{"id":"1","type":"subscribe","payload":{"query":"{ __typename }","variables":{"a":"\ud800"}}}""" },
        { "an extensions name", true, """{"id":"1","type":"subscribe","payload":{"query":"{ __typename }","extensions":{"\ud800":1}}}""" },
        { "an unknown member's name", true, """{"\ud800":1,"type":"ping"}""" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task A_lone_surrogate_in_a_websocket_message_closes_with_4400_and_one_information_line(string what, bool afterInit, string message)
    {
        var logged = fixture.Rig.Logs.Entries.Count;
        await using var client = afterInit
            ? await GraphQLWsClient.ConnectAndInitAsync(WebSocketAddress, new Dictionary<string, string> { ["X-Auth-Token"] = GatewayRig.Token })
            : await GraphQLWsClient.ConnectAsync(WebSocketAddress);

        await client.SendTextAsync(message);

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.True((int?)status == 4400, $"{what}: closed with {(int?)status} {description}");
        Assert.Contains("lone UTF-16 surrogate", description, StringComparison.Ordinal);
        var entries = fixture.Rig.Logs.Entries.Skip(logged).ToList();
        var bad = entries.Where(e => e.StartsWith("Error ", StringComparison.Ordinal) || e.StartsWith("Critical ", StringComparison.Ordinal) || e.Contains("   at ", StringComparison.Ordinal)).ToList();
        Assert.True(bad.Count == 0, $"{what}: error-level or stack-trace log entries:\n{string.Join("\n", bad.Take(3))}");
        var lines = entries.Where(e => e.Contains(BadMessage, StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 1, $"{what}: expected one '{BadMessage}' line, got:\n{string.Join("\n", entries)}");
        Assert.StartsWith("Information ", lines[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"query":"subscription { jobUpdates(ids: [\"x\"]) { changes } } \ud800"}""")]
    [InlineData("""{"query":"subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { changes } }","variables":{"ids":["\udc00"]}}""")]
    [InlineData("""{"query":"subscription { jobUpdates(ids: [\"x\"]) { changes } }","variables":{"\ud800":1}}""")]
    public async Task A_lone_surrogate_in_an_event_stream_request_is_an_invalid_json_event(string body)
    {
        using var stream = await SseReader.PostAsync(fixture.Rig.Client, body, ("X-Auth-Token", GatewayRig.Token));

        Assert.Equal(HttpStatusCode.OK, stream.Status);
        var items = await stream.ReadToEndAsync();
        Assert.Equal("next", items[0].Event);
        Assert.Contains("INVALID_JSON", items[0].Data, StringComparison.Ordinal);
        Assert.Contains("lone UTF-16 surrogate", items[0].Data, StringComparison.Ordinal);
        Assert.Equal("complete", items[^1].Event);
    }
}
