using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.Subscriptions;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>
/// The real jobUpdates subscription through both transports of the real gateway (Program, Kestrel, the shared
/// poller, the emulator): the initial state, a change made upstream, completion when the job is terminal, and
/// the caller refused up front.
/// </summary>
public sealed class JobUpdatesOverTransportsTests(SubscriptionRig rig) : IClassFixture<SubscriptionRig>
{
    private const string Watch = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { id status isTerminal } changes } }";

    private Uri GatewayAddress => rig.Client.BaseAddress!;

    private Uri WebSocketAddress => new($"ws://{GatewayAddress.Authority}/graphql");

    [Fact]
    public async Task A_websocket_client_with_its_token_in_connection_init_sees_the_initial_state_a_change_and_completion()
    {
        var id = (await rig.CreateJobsAsync(1)).Single();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(WebSocketAddress, new Dictionary<string, string> { ["X-Auth-Token"] = SubscriptionRig.Token });

        await client.SendAsync(new { id = "jobs", type = "subscribe", payload = new { query = Watch, variables = new { ids = new[] { id } } } });

        var initial = await client.ReceiveAsync();
        Assert.Equal("next", (string?)initial["type"]);
        Assert.Equal(
            $$$$"""{"data":{"jobUpdates":{"job":{"id":"{{{{id}}}}","status":"FULL_TRANSFER_STARTED","isTerminal":false},"changes":["INITIAL"]}}}""",
            initial["payload"]!.ToJsonString());

        await rig.DeleteJobAsync(id);

        var change = await client.ReceiveAsync();
        Assert.Equal(
            $$$$"""{"data":{"jobUpdates":{"job":{"id":"{{{{id}}}}","status":"DELETED","isTerminal":true},"changes":["STATUS"]}}}""",
            change["payload"]!.ToJsonString());
        Assert.Equal("""{"id":"jobs","type":"complete"}""", (await client.ReceiveAsync()).ToJsonString());
    }

    [Fact]
    public async Task An_sse_client_sees_the_initial_state_a_change_and_completion()
    {
        var id = (await rig.CreateJobsAsync(1)).Single();
        var http = rig.Client;
        var body = JsonSerializer.Serialize(new { query = Watch, variables = new { ids = new[] { id } } });
        using var stream = await SseReader.PostAsync(http, body, ("X-Auth-Token", SubscriptionRig.Token));
        Assert.Equal(HttpStatusCode.OK, stream.Status);

        var initial = JsonNode.Parse((await stream.ReadEventAsync()).Data!)!;
        Assert.Equal("FULL_TRANSFER_STARTED", (string?)initial["data"]!["jobUpdates"]!["job"]!["status"]);

        await rig.DeleteJobAsync(id);

        var change = JsonNode.Parse((await stream.ReadEventAsync()).Data!)!;
        Assert.Equal("DELETED", (string?)change["data"]!["jobUpdates"]!["job"]!["status"]);
        Assert.Equal(new SseItem("complete", "", false), await stream.ReadEventAsync());
    }

    /// <remarks>
    /// A skipped root field left nothing to execute: the stream completed at once, without an event or an error. The
    /// specification's single root field rule (and graphql-js 17) refuses @skip and @include at a subscription's top
    /// level, fragments followed.
    /// </remarks>
    [Theory]
    [InlineData("subscription($ids: [ID!]!) { jobUpdates(ids: $ids) @skip(if: true) { changes } }")]
    [InlineData("subscription Watch($ids: [ID!]!) { jobUpdates(ids: $ids) @include(if: false) { changes } }")]
    [InlineData("subscription($ids: [ID!]!) { ... on Subscription @include(if: true) { jobUpdates(ids: $ids) { changes } } }")]
    [InlineData("subscription($ids: [ID!]!) { ...Root } fragment Root on Subscription { ... on Subscription { jobUpdates(ids: $ids) @skip(if: false) { changes } } }")]
    public async Task A_conditional_root_field_is_refused_with_one_error_message_over_the_socket(string query)
    {
        var id = (await rig.CreateJobsAsync(1)).Single();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(WebSocketAddress, new Dictionary<string, string> { ["X-Auth-Token"] = SubscriptionRig.Token });

        await client.SendAsync(new { id = "skip", type = "subscribe", payload = new { query, variables = new { ids = new[] { id } } } });

        var error = await client.ReceiveAsync();
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("SINGLE_ROOT_FIELD", (string?)error["payload"]![0]!["extensions"]!["code"]);
        Assert.Contains("must not use @skip or @include in its top-level selection", error["payload"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conditional_root_field_is_refused_over_sse_too()
    {
        var id = (await rig.CreateJobsAsync(1)).Single();
        var body = JsonSerializer.Serialize(new { query = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) @skip(if: true) { changes } }", variables = new { ids = new[] { id } } });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Accept", "text/event-stream");
        request.Headers.Add("X-Auth-Token", SubscriptionRig.Token);

        using var response = await rig.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains("SINGLE_ROOT_FIELD", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"changes\"", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(SubscriptionRig.Token, "not a project!")]
    public async Task A_websocket_without_a_token_or_with_a_malformed_project_is_refused_with_4403(string? token, string? project)
    {
        var payload = new Dictionary<string, string>();
        if (token is not null)
        {
            payload["X-Auth-Token"] = token;
        }

        if (project is not null)
        {
            payload["X-Project-Id"] = project;
        }

        await using var client = await GraphQLWsClient.ConnectAsync(WebSocketAddress);
        await client.SendAsync(new { type = "connection_init", payload });

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(4403, (int?)status);
        Assert.DoesNotContain(SubscriptionRig.Token, description, StringComparison.Ordinal);
    }

    /// <summary>
    /// As graphql-ws's reference server answers a subscription refused as its source is set up (an execution
    /// result, not a validation error): a <c>next</c> carrying the errors, then <c>complete</c>; the README says so.
    /// </summary>
    [Fact]
    public async Task Malformed_ids_over_the_socket_get_a_next_with_the_gateway_s_code_then_complete()
    {
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(WebSocketAddress, new Dictionary<string, string> { ["X-Auth-Token"] = SubscriptionRig.Token });

        await client.SendAsync(new { id = "bad", type = "subscribe", payload = new { query = Watch, variables = new { ids = new[] { "not-a-job-id" } } } });

        var answer = await client.ReceiveAsync();
        Assert.Equal("next", (string?)answer["type"]);
        Assert.Equal("bad", (string?)answer["id"]);
        Assert.Equal("INVALID_JOB_ID", (string?)answer["payload"]!["errors"]![0]!["extensions"]!["code"]);
        Assert.Equal("""{"id":"bad","type":"complete"}""", (await client.ReceiveAsync()).ToJsonString());
    }

    [Fact]
    public async Task A_document_refused_before_execution_gets_one_error_message_without_complete()
    {
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(WebSocketAddress, new Dictionary<string, string> { ["X-Auth-Token"] = SubscriptionRig.Token });

        await client.SendAsync(new { id = "bad", type = "subscribe", payload = new { query = "subscription { jobUpdates(ids: [\"x\"]) { nope } }" } });
        var error = await client.ReceiveAsync();
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("bad", (string?)error["id"]);
        Assert.Contains("nope", error["payload"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // No complete follows: the next message is the answer to the ping.
        await client.SendAsync(new { type = "ping" });
        Assert.Equal("""{"type":"pong"}""", (await client.ReceiveAsync()).ToJsonString());
    }
}
