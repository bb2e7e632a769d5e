using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.GraphQLHttp;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>graphql-transport-ws on /graphql over real Kestrel, against the test schema's subscriptions.</summary>
public sealed class WebSocketTransportTests
{
    private const string Ticks = "subscription { ticks(count: 3) }";

    [Fact]
    public async Task A_subscription_streams_each_result_then_completes()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        await client.SubscribeAsync("1", Ticks);

        for (var tick = 1; tick <= 3; tick++)
        {
            var next = await client.ReceiveAsync();
            Assert.Equal("next", (string?)next["type"]);
            Assert.Equal("1", (string?)next["id"]);
            Assert.Equal($$$"""{"data":{"ticks":{{{tick}}}}}""", next["payload"]!.ToJsonString());
        }

        var complete = await client.ReceiveAsync();
        Assert.Equal("""{"id":"1","type":"complete"}""", complete.ToJsonString());
        Assert.Equal(0, host.Probe.ActiveStreams);
    }

    [Fact]
    public async Task The_socket_negotiates_the_graphql_transport_ws_subprotocol()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress);

        Assert.Equal("graphql-transport-ws", client.Socket.SubProtocol);
    }

    [Fact]
    public async Task A_query_over_the_socket_answers_one_next_then_complete()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        await client.SubscribeAsync("q", "query Greet($name: String) { hello(name: $name) }", new { name = "socket" });

        Assert.Equal("""{"id":"q","type":"next","payload":{"data":{"hello":"Hello, socket!"}}}""", (await client.ReceiveAsync()).ToJsonString());
        Assert.Equal("""{"id":"q","type":"complete"}""", (await client.ReceiveAsync()).ToJsonString());
    }

    [Fact]
    public async Task An_id_is_free_again_as_soon_as_its_complete_arrives()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        for (var round = 0; round < 50; round++)
        {
            await client.SubscribeAsync("same", "{ hello }");
            Assert.Equal("next", (string?)(await client.ReceiveAsync())["type"]);
            Assert.Equal("complete", (string?)(await client.ReceiveAsync())["type"]);
        }
    }

    [Fact]
    public async Task Credentials_in_the_connection_init_payload_reach_the_user_context_and_win_over_upgrade_headers()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress, headers: ("X-Caller", "from-header"));
        await client.SendAsync(new { type = "connection_init", payload = new Dictionary<string, string> { ["X-Caller"] = "from-payload" } });
        Assert.Equal("connection_ack", (string?)(await client.ReceiveAsync())["type"]);

        await client.SubscribeAsync("1", "{ caller }");

        var next = await client.ReceiveAsync();
        Assert.StartsWith("""{"data":{"caller":"from-payload#""", next["payload"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upgrade_request_headers_identify_a_service_that_sends_an_empty_payload()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress, headers: ("X-Caller", "service"));
        await client.SendAsync(new { type = "connection_init" });
        Assert.Equal("connection_ack", (string?)(await client.ReceiveAsync())["type"]);

        await client.SubscribeAsync("1", "{ caller }");

        Assert.StartsWith("""{"data":{"caller":"service#""", (await client.ReceiveAsync())["payload"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_document_that_fails_validation_gets_an_error_message_and_the_socket_stays_open()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        await client.SubscribeAsync("bad", "subscription { nope }");
        var error = await client.ReceiveAsync();
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("bad", (string?)error["id"]);
        Assert.Contains("nope", error["payload"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        await client.SubscribeAsync("good", "{ hello }");
        Assert.Equal("next", (string?)(await client.ReceiveAsync())["type"]);
    }

    [Fact]
    public async Task Ping_is_answered_with_pong()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        await client.SendAsync(new { type = "ping" });

        Assert.Equal("""{"type":"pong"}""", (await client.ReceiveAsync()).ToJsonString());
    }

    [Fact]
    public async Task The_server_pings_an_idle_socket_at_the_keep_alive_interval()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:KeepAliveInterval", "00:00:00.200"));
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        Assert.Equal("""{"type":"ping"}""", (await client.ReceiveAsync()).ToJsonString());
        await client.SendAsync(new { type = "pong" });
        Assert.Equal("""{"type":"ping"}""", (await client.ReceiveAsync()).ToJsonString());
    }

    [Fact]
    public async Task A_client_that_never_answers_a_ping_is_closed_after_the_pong_timeout_with_one_log_line()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(
            ("GraphQL:Streaming:KeepAliveInterval", "00:00:00.200"), ("GraphQL:Streaming:PongTimeout", "00:00:00.500"));
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);
        await client.SubscribeAsync("f", "subscription { forever }");

        // Reads everything (pings included) and answers nothing: a peer whose graphql-ws layer is gone.
        var (status, description) = await client.ReceiveCloseAsync();

        // graphql-ws's "Terminated", which its client retries (a 1008 would be fatal to it).
        Assert.Equal(4499, (int?)status);
        Assert.Equal("Terminated: keep-alive timeout, no pong", description);
        Assert.Equal(1, host.Logs.Count("no pong within 0.5 s"));
        await host.Probe.ForeverDisposed.Task.WaitAsync(GraphQLWsClient.Patience);
    }

    [Fact]
    public async Task A_client_that_answers_its_pings_stays_connected_past_the_pong_timeout()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(
            ("GraphQL:Streaming:KeepAliveInterval", "00:00:00.200"), ("GraphQL:Streaming:PongTimeout", "00:00:01"));
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        // Fifteen pings answered: three seconds, three times the pong timeout (a second each: room for a loaded machine).
        for (var ping = 0; ping < 15; ping++)
        {
            Assert.Equal("""{"type":"ping"}""", (await client.ReceiveAsync()).ToJsonString());
            await client.SendAsync(new { type = "pong" });
        }

        await client.SubscribeAsync("q", "{ hello }");
        JsonObject next;
        do
        {
            next = await client.ReceiveAsync();
        }
        while ((string?)next["type"] == "ping");

        Assert.Equal("next", (string?)next["type"]);
        Assert.Equal(0, host.Logs.Count("no pong within"));
    }

    [Fact]
    public async Task Complete_from_the_client_disposes_the_subscription()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);
        await client.SubscribeAsync("f", "subscription { forever }");
        Assert.Equal("next", (string?)(await client.ReceiveAsync())["type"]);

        await client.SendAsync(new { id = "f", type = "complete" });

        await host.Probe.ForeverDisposed.Task.WaitAsync(GraphQLWsClient.Patience);
        // The id is free again, and nothing more is sent for the old one.
        await client.SubscribeAsync("f", "{ hello }");
        Assert.Equal("""{"id":"f","type":"next","payload":{"data":{"hello":"Hello, world!"}}}""", (await client.ReceiveAsync()).ToJsonString());
    }

    [Fact]
    public async Task Closing_the_socket_disposes_its_subscriptions()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);
        await client.SubscribeAsync("f", "subscription { forever }");
        Assert.Equal("next", (string?)(await client.ReceiveAsync())["type"]);

        await client.CloseAsync();
        await client.DisposeAsync();

        await host.Probe.ForeverDisposed.Task.WaitAsync(GraphQLWsClient.Patience);
    }

    [Fact]
    public async Task A_failing_source_ends_its_subscription_with_an_error_message()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);
        await client.SubscribeAsync("b", "subscription { broken }");

        Assert.Equal("next", (string?)(await client.ReceiveAsync())["type"]);
        var error = await client.ReceiveAsync();
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("SUBSCRIPTION_ENDED", (string?)error["payload"]![0]!["extensions"]!["code"]);
    }

    [Fact]
    public async Task More_operations_than_the_connection_may_run_get_an_error_and_the_others_continue()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:MaxSubscriptionsPerConnection", "1"));
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);
        await client.SubscribeAsync("1", "subscription { forever }");
        Assert.Equal("next", (string?)(await client.ReceiveAsync())["type"]);

        await client.SubscribeAsync("2", "subscription { forever }");

        var error = await client.ReceiveAsync();
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("2", (string?)error["id"]);
        Assert.Equal("TOO_MANY_SUBSCRIPTIONS", (string?)error["payload"]![0]!["extensions"]!["code"]);
        await client.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (string?)(await client.ReceiveAsync())["type"]);
    }

    [Fact]
    public async Task A_caller_over_its_connection_limit_is_closed_with_1013()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:MaxConnectionsPerCaller", "1"));
        var token = new Dictionary<string, string> { ["X-Auth-Token"] = "token-a" };
        await using var first = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress, token);

        await using var second = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress);
        await second.SendAsync(new { type = "connection_init", payload = token });
        var (status, _) = await second.ReceiveCloseAsync();
        Assert.Equal(1013, (int?)status);

        // Another token is another caller.
        await using var other = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress, new Dictionary<string, string> { ["X-Auth-Token"] = "token-b" });
    }

    /// <remarks>A refusal is the client's doing and cheap to repeat: each was an Information line (90 lines in 1.6 s of churn).</remarks>
    [Fact]
    public async Task Refusals_past_the_connection_limit_are_logged_ten_a_second_at_most_saying_how_many_were_not()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:MaxConnectionsPerCaller", "1"));
        var token = new Dictionary<string, string> { ["X-Auth-Token"] = "token-a" };
        await using var first = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress, token);
        var elapsed = System.Diagnostics.Stopwatch.StartNew();

        for (var attempt = 0; attempt < 60; attempt++)
        {
            await using var refused = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress);
            await refused.SendAsync(new { type = "connection_init", payload = token });
            Assert.Equal(1013, (int?)(await refused.ReceiveCloseAsync()).Status);
        }

        var lines = host.Logs.Count("Closed a GraphQL WebSocket of caller");
        Assert.InRange(lines, 1, 10 * ((int)elapsed.Elapsed.TotalSeconds + 1));
        Assert.InRange(lines, 1, 59);
    }

    [Fact]
    public async Task An_address_over_its_connection_limit_is_closed_with_1013_whatever_token_it_sends()
    {
        // Each caller one connection, so the address's own ceiling (never below a caller's) is the one reached.
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:MaxConnectionsPerCaller", "1"), ("GraphQL:Streaming:MaxConnectionsPerAddress", "2"));
        static Dictionary<string, string> Token(string token) => new() { ["X-Auth-Token"] = token };
        var first = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress, Token("token-a"));
        await using var second = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress, Token("token-b"));

        await using (var third = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress))
        {
            await third.SendAsync(new { type = "connection_init", payload = Token("token-c") });
            var (status, reason) = await third.ReceiveCloseAsync();
            Assert.Equal(1013, (int?)status);
            Assert.Equal("Too many connections from this address (at most 2); try again later", reason);
        }

        // A closed connection gives its slot back.
        await first.DisposeAsync();
        for (var attempt = 0; ; attempt++)
        {
            await using var again = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress);
            await again.SendAsync(new { type = "connection_init", payload = Token("token-c") });
            if ((await again.ReceiveOrCloseAsync()).Message?["type"]?.GetValue<string>() == "connection_ack")
            {
                break;
            }

            Assert.True(attempt < 20, "the closed connection's slot never came back");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task An_address_may_always_hold_one_caller_s_connections()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:MaxConnectionsPerCaller", "2"), ("GraphQL:Streaming:MaxConnectionsPerAddress", "1"));
        var token = new Dictionary<string, string> { ["X-Auth-Token"] = "token-a" };

        await using var first = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress, token);
        await using var second = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress, token);

        await using var third = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress);
        await third.SendAsync(new { type = "connection_init", payload = new Dictionary<string, string> { ["X-Auth-Token"] = "token-b" } });
        var (status, reason) = await third.ReceiveCloseAsync();
        Assert.Equal(1013, (int?)status);
        Assert.Equal("Too many connections from this address (at most 2); try again later", reason);
    }

    [Theory]
    [InlineData("not json", 4400)]
    [InlineData("""{"type":"connection_init","payload":[1]}""", 4400)]
    [InlineData("""{"type":"unknown"}""", 4400)]
    [InlineData("""{"payload":{}}""", 4400)]
    [InlineData("""{"id":"1","type":"subscribe","payload":{"query":"{ hello }"}}""", 4401)]
    public async Task A_bad_first_message_closes_the_socket_with_the_protocol_code(string message, int code)
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress);

        await client.SendTextAsync(message);

        var (status, _) = await client.ReceiveCloseAsync();
        Assert.Equal(code, (int?)status);
    }

    /// <remarks>The type was echoed raw into the log line and the close reason: a CR LF in it forged a log line.</remarks>
    [Fact]
    public async Task An_unknown_type_with_line_breaks_is_echoed_escaped()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        await client.SendTextAsync("{\"type\":\"foo\\r\\nbar\"}");

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(4400, (int?)status);
        Assert.Equal("Invalid message received: unexpected type 'foo\\u000D\\u000Abar'", description);
        Assert.Equal(1, host.Logs.Count("unexpected type 'foo\\u000D\\u000Abar'"));
        host.Logs.AssertNone("foo\r\nbar");
    }

    [Fact]
    public async Task A_subscribe_without_an_id_closes_with_4400()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        await client.SendAsync(new { type = "subscribe", payload = new { query = "{ hello }" } });

        Assert.Equal(4400, (int?)(await client.ReceiveCloseAsync()).Status);
    }

    /// <remarks>
    /// Every message of an operation carries its id back: a megabyte id (the message limit) made every event a megabyte,
    /// and one client not reading its 900 subscriptions held 3.7 GB. 128 characters, as single connection SSE's operationId.
    /// </remarks>
    [Fact]
    public async Task A_subscribe_id_longer_than_128_characters_closes_with_4400_and_one_of_128_runs()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);
        var longest = new string('i', 128);

        await client.SubscribeAsync(longest, "{ hello }");
        Assert.Equal($$$$"""{"id":"{{{{longest}}}}","type":"next","payload":{"data":{"hello":"Hello, world!"}}}""", (await client.ReceiveAsync()).ToJsonString());
        Assert.Equal("complete", (string?)(await client.ReceiveAsync())["type"]);
        await client.SubscribeAsync(longest + "i", "{ hello }");

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(4400, (int?)status);
        Assert.Equal("Invalid message received: subscribe id longer than 128 characters", description);
        Assert.Equal(1, host.Logs.Count("subscribe id longer than 128 characters"));
    }

    /// <remarks>The protocol's ping and pong payload is an object, null or missing (graphql-ws's server refuses others too).</remarks>
    [Theory]
    [InlineData("""{"type":"ping","payload":"x"}""", "the ping payload")]
    [InlineData("""{"type":"ping","payload":[1,2]}""", "the ping payload")]
    [InlineData("""{"type":"pong","payload":42}""", "the pong payload")]
    public async Task A_ping_or_pong_whose_payload_is_not_an_object_closes_with_4400_and_one_log_line(string message, string reason)
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        // An object payload, and null, are fine.
        await client.SendTextAsync("""{"type":"ping","payload":{"at":1}}""");
        await client.SendTextAsync("""{"type":"pong","payload":null}""");
        await client.SendTextAsync(message);

        var (status, _) = await client.ReceiveCloseAsync();
        Assert.Equal(4400, (int?)status);
        Assert.Equal(1, host.Logs.Count("Closed a GraphQL WebSocket: a bad message (Invalid message received: " + reason + " must be an object or null"));
    }

    /// <remarks>graphql-ws's PROTOCOL.md: a message "of a type or format which is not specified" closes the socket with 4400.</remarks>
    [Theory]
    [InlineData("""{"id":"1","type":"subscribe","payload":{"query":5}}""", "The 'query' parameter must be a string.")]
    [InlineData("""{"id":"1","type":"subscribe","payload":{"query":"{ hello }","variables":[1]}}""", "The 'variables' parameter must be")]
    [InlineData("""{"id":"1","type":"subscribe","payload":{"query":"{ hello }","operationName":7}}""", "The 'operationName' parameter must be a string.")]
    [InlineData("""{"id":"1","type":"subscribe","payload":{"variables":{}}}""", "The 'query' parameter is required.")]
    public async Task A_subscribe_whose_payload_is_not_a_graphql_request_closes_with_4400_and_one_log_line(string message, string reason)
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        await client.SendTextAsync(message);

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(4400, (int?)status);
        Assert.StartsWith("Invalid message received: ", description, StringComparison.Ordinal);
        Assert.Equal(1, host.Logs.Count("Closed a GraphQL WebSocket: a bad message (Invalid message received: " + reason));
    }

    [Fact]
    public async Task A_binary_message_closes_with_4400_and_one_log_line()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        await client.Socket.SendAsync("""{"type":"ping"}"""u8.ToArray(), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);

        Assert.Equal(4400, (int?)(await client.ReceiveCloseAsync()).Status);
        Assert.Equal(1, host.Logs.Count("Closed a GraphQL WebSocket: a bad message (Messages must be UTF-8 JSON text)"));
    }

    [Fact]
    public async Task A_message_over_the_body_limit_closes_with_1009()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("MaxRequestBodyBytes", "2048"));
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        await client.SubscribeAsync("big", "{ hello }" + new string(' ', 4096));

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, (await client.ReceiveCloseAsync()).Status);
    }

    [Fact]
    public async Task Refused_credentials_close_with_4403()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress);

        await client.SendAsync(new { type = "connection_init", payload = new Dictionary<string, string> { ["X-Caller"] = "refused" } });

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(4403, (int?)status);
        Assert.StartsWith("Forbidden", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_without_the_subprotocol_closes_with_4406()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress, subProtocol: null);

        Assert.Equal(4406, (int?)(await client.ReceiveCloseAsync()).Status);
    }

    [Fact]
    public async Task A_socket_with_another_subprotocol_closes_with_4406()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress, subProtocol: "graphql-ws");

        Assert.Equal(4406, (int?)(await client.ReceiveCloseAsync()).Status);
    }

    [Fact]
    public async Task No_connection_init_within_the_timeout_closes_with_4408()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:ConnectionInitTimeout", "00:00:00.200"));
        await using var client = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress);

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(4408, (int?)status);
        Assert.Equal("Connection initialisation timeout", description);
    }

    [Fact]
    public async Task A_duplicate_subscriber_id_closes_with_4409()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);
        await client.SubscribeAsync("same", "subscription { forever }");
        Assert.Equal("next", (string?)(await client.ReceiveAsync())["type"]);

        await client.SubscribeAsync("same", "subscription { forever }");

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(4409, (int?)status);
        Assert.Equal("Subscriber for same already exists", description);
        await host.Probe.ForeverDisposed.Task.WaitAsync(GraphQLWsClient.Patience);
    }

    [Fact]
    public async Task A_second_connection_init_closes_with_4429()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);

        await client.SendAsync(new { type = "connection_init" });

        Assert.Equal(4429, (int?)(await client.ReceiveCloseAsync()).Status);
    }

    [Fact]
    public async Task An_internal_failure_closes_with_4500_without_details()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        await using var client = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress);

        await client.SendAsync(new { type = "connection_init", payload = new Dictionary<string, string> { ["X-Caller"] = "explode" } });

        var (status, description) = await client.ReceiveCloseAsync();
        Assert.Equal(4500, (int?)status);
        Assert.DoesNotContain("secret", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cross_site_origin_not_in_the_allow_list_is_refused_before_the_upgrade()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("Gateway:Security:Cors:AllowedOrigins:0", "https://app.example.com"));

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => GraphQLWsClient.ConnectAsync(host.WebSocketAddress, headers: ("Origin", "https://evil.example")));
        Assert.Contains("403", refused.Message, StringComparison.Ordinal);

        await using var listed = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress, headers: ("Origin", "https://app.example.com"));
        await using var sameOrigin = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress, headers: ("Origin", $"http://{host.BaseAddress.Authority}"));
        await using var service = await GraphQLWsClient.ConnectAsync(host.WebSocketAddress);
        Assert.Equal(WebSocketState.Open, listed.Socket.State);
    }

    [Fact]
    public async Task The_refused_upgrade_answers_403()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-transport-ws");
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", "https://evil.example");

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(host.WebSocketAddress, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task Shutdown_closes_sockets_with_1001_and_disposes_their_subscriptions()
    {
        var host = await GraphQLHttpTestHost.StartAsync();
        try
        {
            await using var client = await GraphQLWsClient.ConnectAndInitAsync(host.WebSocketAddress);
            await client.SubscribeAsync("f", "subscription { forever }");
            Assert.Equal("next", (string?)(await client.ReceiveAsync())["type"]);

            var stopping = host.StopAsync();
            var (status, _) = await client.ReceiveCloseAsync();

            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
            await host.Probe.ForeverDisposed.Task.WaitAsync(GraphQLWsClient.Patience);
            await stopping.WaitAsync(GraphQLWsClient.Patience);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_subscription_over_plain_post_is_refused_with_a_clear_error()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();

        var answer = await host.Client.PostJsonAsync("""{"query":"subscription { ticks(count: 1) }"}""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("graphql-transport-ws", answer.Body, StringComparison.Ordinal);
        Assert.Contains("text/event-stream", answer.Body, StringComparison.Ordinal);
        Assert.Equal(0, host.Probe.ActiveStreams);
    }
}
