using System.Net;
using System.Text;
using System.Text.Json;
using DrsGraph.Gateway.Tests.GraphQLHttp;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>
/// graphql-sse's single connection mode on /graphql over real Kestrel: PUT reserves, GET streams, POST runs
/// operations onto the stream, DELETE stops one.
/// </summary>
public sealed class EventStreamSingleConnectionTests
{
    private const string TokenHeader = "X-GraphQL-Event-Stream-Token";

    [Fact]
    public async Task Two_subscriptions_and_a_query_share_one_stream_each_under_its_operation_id()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        var (status, token, contentType) = await ReserveAsync(host.Client, ("X-Auth-Token", "token-a"));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("text/plain; charset=utf-8", contentType);
        Assert.True(token.Length >= 32, token);

        using var stream = await OpenAsync(host.Client, token, ("X-Auth-Token", "token-a"));
        Assert.Equal(HttpStatusCode.OK, stream.Status);
        Assert.Equal("text/event-stream; charset=utf-8", stream.ContentType);

        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "a", "subscription { ticks(count: 3, intervalMs: 30) }", ("X-Auth-Token", "token-a"))).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "b", "subscription { ticks(count: 3, intervalMs: 30) }", ("X-Auth-Token", "token-a"))).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "q", "{ hello }", ("X-Auth-Token", "token-a"))).Status);

        var events = await ReadUntilCompletedAsync(stream, "a", "b", "q");

        Assert.Equal(["""{"data":{"ticks":1}}""", """{"data":{"ticks":2}}""", """{"data":{"ticks":3}}"""], Payloads(events, "a"));
        Assert.Equal(["""{"data":{"ticks":1}}""", """{"data":{"ticks":2}}""", """{"data":{"ticks":3}}"""], Payloads(events, "b"));
        Assert.Equal(["""{"data":{"hello":"Hello, world!"}}"""], Payloads(events, "q"));
        // One complete per operation, after its last next.
        foreach (var id in new[] { "a", "b", "q" })
        {
            var last = events.FindLastIndex(e => Id(e) == id);
            Assert.Equal(new SseItem("complete", $$"""{"id":"{{id}}"}""", false), events[last]);
            Assert.Single(events, e => e.Event == "complete" && Id(e) == id);
        }

        host.Logs.AssertNone(token);
    }

    [Fact]
    public async Task A_delete_stops_one_operation_and_the_stream_runs_on()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        var (_, token, _) = await ReserveAsync(host.Client);
        using var stream = await OpenAsync(host.Client, token);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "f", "subscription { forever }")).Status);
        Assert.Equal(new SseItem("next", """{"id":"f","payload":{"data":{"forever":1}}}""", false), await stream.ReadEventAsync());

        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/graphql?operationId=f");
        delete.Headers.Add(TokenHeader, token);
        using var deleted = await host.Client.SendAsync(delete);

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await host.Probe.ForeverDisposed.Task.WaitAsync(GraphQLWsClient.Patience);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "t", "subscription { ticks(count: 1) }")).Status);
        var events = await ReadUntilCompletedAsync(stream, "t");
        Assert.DoesNotContain(events, e => Id(e) == "f");
        // The stopped id is free again.
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "f", "{ hello }")).Status);
    }

    [Fact]
    public async Task Another_caller_presenting_the_token_is_refused_as_if_it_did_not_exist()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        var (_, token, _) = await ReserveAsync(host.Client, ("X-Auth-Token", "token-a"));

        using var foreignStream = await OpenAsync(host.Client, token, ("X-Auth-Token", "token-b"));
        var foreignPost = await PostAsync(host.Client, token, "x", "{ hello }", ("X-Auth-Token", "token-b"));
        var unknownPost = await PostAsync(host.Client, "no-such-token", "x", "{ hello }", ("X-Auth-Token", "token-a"));

        Assert.Equal(HttpStatusCode.NotFound, foreignStream.Status);
        Assert.Equal(HttpStatusCode.NotFound, foreignPost.Status);
        Assert.Equal(HttpStatusCode.NotFound, unknownPost.Status);
        Assert.Equal(unknownPost.Body, foreignPost.Body);
        Assert.Contains("sticky sessions", foreignPost.Body, StringComparison.Ordinal);
        // The owner still gets its stream.
        using var own = await OpenAsync(host.Client, token, ("X-Auth-Token", "token-a"));
        Assert.Equal(HttpStatusCode.OK, own.Status);
        host.Logs.AssertNone(token);
        host.Logs.AssertNone("token-b");
    }

    [Fact]
    public async Task An_unknown_token_is_404_on_every_method()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();

        using var stream = await OpenAsync(host.Client, "made-up");
        var post = await PostAsync(host.Client, "made-up", "x", "{ hello }");
        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/graphql?operationId=x&token=made-up");
        using var deleted = await host.Client.SendAsync(delete);

        Assert.Equal(HttpStatusCode.NotFound, stream.Status);
        Assert.Equal(HttpStatusCode.NotFound, post.Status);
        Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
        Assert.Equal(3, host.Logs.Count("no reservation of caller"));
    }

    [Fact]
    public async Task A_second_stream_for_one_token_is_409_and_the_first_keeps_streaming()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        var (_, token, _) = await ReserveAsync(host.Client);
        using var first = await OpenAsync(host.Client, token);

        using var second = await SseReader.SendAsync(host.Client, new HttpRequestMessage(HttpMethod.Get, "/graphql?token=" + Uri.EscapeDataString(token)));

        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "q", "{ hello }")).Status);
        Assert.Equal(2, (await ReadUntilCompletedAsync(first, "q")).Count);
    }

    [Fact]
    public async Task A_reservation_without_a_stream_expires_and_frees_its_connection_slot()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(
            ("GraphQL:Streaming:ConnectionInitTimeout", "00:00:00.100"), ("GraphQL:Streaming:MaxConnectionsPerCaller", "1"));
        var (_, token, _) = await ReserveAsync(host.Client);

        await WaitForLogAsync(host, "expired: no stream within");

        using var late = await OpenAsync(host.Client, token);
        Assert.Equal(HttpStatusCode.NotFound, late.Status);
        Assert.Equal(HttpStatusCode.Created, (await ReserveAsync(host.Client)).Status);
        Assert.Equal(1, host.Logs.Count("expired: no stream within"));
    }

    [Fact]
    public async Task A_reservation_counts_toward_the_callers_connection_limit()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:MaxConnectionsPerCaller", "1"));
        var (_, token, _) = await ReserveAsync(host.Client, ("X-Auth-Token", "token-a"));

        using var second = new HttpRequestMessage(HttpMethod.Put, "/graphql");
        second.Headers.Add("X-Auth-Token", "token-a");
        using var refused = await host.Client.SendAsync(second);
        using var distinct = await SseReader.PostAsync(host.Client, """{"query":"subscription { forever }"}""", ("X-Auth-Token", "token-a"));

        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Contains("TOO_MANY_CONNECTIONS", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("TOO_MANY_CONNECTIONS", (await distinct.ReadEventAsync()).Data, StringComparison.Ordinal);
        // Another caller is not affected.
        Assert.Equal(HttpStatusCode.Created, (await ReserveAsync(host.Client, ("X-Auth-Token", "token-b"))).Status);
        Assert.NotEmpty(token);
    }

    [Fact]
    public async Task Operations_past_the_limit_and_duplicate_ids_are_refused_over_http()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:MaxSubscriptionsPerConnection", "1"));
        var (_, token, _) = await ReserveAsync(host.Client);
        using var stream = await OpenAsync(host.Client, token);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "f", "subscription { forever }")).Status);
        Assert.Equal("next", (await stream.ReadEventAsync()).Event);

        var duplicate = await PostAsync(host.Client, token, "f", "subscription { forever }");
        var tooMany = await PostAsync(host.Client, token, "g", "subscription { forever }");

        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.Equal((HttpStatusCode)429, tooMany.Status);
        Assert.Contains("TOO_MANY_SUBSCRIPTIONS", tooMany.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"query":"{ hello }"}""", "operationId")]
    [InlineData("""{"query":"{ hello }","extensions":{"operationId":7}}""", "operationId")]
    [InlineData("""{"query":"subscription { nope }","extensions":{"operationId":"x"}}""", "nope")]
    [InlineData("""{"query":"{","extensions":{"operationId":"x"}}""", "Error parsing query")]
    [InlineData("""{"extensions":{"operationId":"x"}}""", "query")]
    [InlineData("""[{"query":"{ hello }","extensions":{"operationId":"x"}}]""", "Batches")]
    [InlineData("""{"query":""", "not valid JSON")]
    public async Task Errors_found_before_execution_are_400_with_the_errors_and_nothing_on_the_stream(string body, string mentioned)
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        var (_, token, _) = await ReserveAsync(host.Client);
        using var stream = await OpenAsync(host.Client, token);

        var refused = await PostRawAsync(host.Client, token, body);

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.StartsWith("""{"errors":[""", refused.Body, StringComparison.Ordinal);
        Assert.Contains(mentioned, refused.Body, StringComparison.OrdinalIgnoreCase);
        // The stream carries only what the next accepted operation sends.
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "ok", "{ hello }")).Status);
        Assert.Equal("ok", Id(await stream.ReadEventAsync()));
    }

    [Fact]
    public async Task A_mutation_runs_and_its_result_goes_to_the_stream()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        var (_, token, _) = await ReserveAsync(host.Client);
        using var stream = await OpenAsync(host.Client, token);

        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "m", "mutation { bump }")).Status);

        Assert.Equal(new SseItem("next", """{"id":"m","payload":{"data":{"bump":1}}}""", false), await stream.ReadEventAsync());
        Assert.Equal(1, host.Probe.Bumps);
    }

    [Fact]
    public async Task A_subscription_whose_results_nobody_reads_ends_once_the_queue_is_full()
    {
        // No stream reads the reservation's queue yet: it holds MaxPendingResults events, the subscription's own
        // buffer as many more, and the next result ends the subscription instead of anything growing.
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:MaxPendingResults", "2"));
        var (_, token, _) = await ReserveAsync(host.Client);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "t", "subscription { ticks(count: 20, intervalMs: 1) }")).Status);
        await WaitForLogAsync(host, "subscription ended early");

        using var stream = await OpenAsync(host.Client, token);
        var events = await ReadUntilCompletedAsync(stream, "t");

        Assert.Equal(4, events.Count);
        Assert.Equal(["""{"data":{"ticks":1}}""", """{"data":{"ticks":2}}"""], Payloads(events, "t")[..2]);
        Assert.Contains("SUBSCRIPTION_ENDED", events[2].Data, StringComparison.Ordinal);
        Assert.Equal("complete", events[3].Event);
        Assert.Equal(0, host.Probe.ActiveStreams);
    }

    [Fact]
    public async Task An_idle_stream_gets_keep_alive_comments()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:KeepAliveInterval", "00:00:00.200"));
        var (_, token, _) = await ReserveAsync(host.Client);
        using var stream = await OpenAsync(host.Client, token);

        // The first comment opens the stream at once; the next ones come while nothing else does.
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await stream.ReadAsync())!.IsComment);
        }
    }

    [Fact]
    public async Task Results_of_an_operation_posted_before_the_stream_opens_wait_for_it()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        var (_, token, _) = await ReserveAsync(host.Client);

        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "q", "{ hello }")).Status);
        using var stream = await OpenAsync(host.Client, token);

        Assert.Equal(2, (await ReadUntilCompletedAsync(stream, "q")).Count);
    }

    [Fact]
    public async Task Closing_the_stream_stops_its_operations_and_forgets_the_token()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        var (_, token, _) = await ReserveAsync(host.Client);
        var stream = await OpenAsync(host.Client, token);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "f", "subscription { forever }")).Status);
        Assert.Equal("next", (await stream.ReadEventAsync()).Event);

        stream.Dispose();

        await host.Probe.ForeverDisposed.Task.WaitAsync(GraphQLWsClient.Patience);
        await WaitForAsync(async () => (await PostAsync(host.Client, token, "q", "{ hello }")).Status == HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_cross_site_simple_post_with_a_token_is_refused_by_the_csrf_rules()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        var (_, token, _) = await ReserveAsync(host.Client);
        using var stream = await OpenAsync(host.Client, token);

        using var forged = new HttpRequestMessage(HttpMethod.Post, "/graphql?token=" + Uri.EscapeDataString(token))
        {
            Content = new StringContent("""{"query":"mutation { bump }","extensions":{"operationId":"m"}}""", Encoding.UTF8, "text/plain"),
        };
        forged.Headers.Add("Sec-Fetch-Site", "cross-site");
        using var refused = await host.Client.SendAsync(forged);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(0, host.Probe.Bumps);
    }

    [Fact]
    public async Task Shutdown_ends_the_stream_and_its_operations()
    {
        var host = await GraphQLHttpTestHost.StartAsync();
        try
        {
            var (_, token, _) = await ReserveAsync(host.Client);
            using var stream = await OpenAsync(host.Client, token);
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.Client, token, "f", "subscription { forever }")).Status);
            Assert.Equal("next", (await stream.ReadEventAsync()).Event);

            var stopping = host.StopAsync();

            await host.Probe.ForeverDisposed.Task.WaitAsync(GraphQLWsClient.Patience);
            Assert.DoesNotContain(await stream.ReadToEndAsync(), e => !e.IsComment);
            await stopping.WaitAsync(GraphQLWsClient.Patience);
            Assert.Equal(1, host.Logs.Count("ended because the gateway is shutting down"));
            // One per stream, so Debug: the hub's one line at Information covers them all.
            Assert.Single(host.Logs.Entries, e => e.StartsWith("Debug ", StringComparison.Ordinal) && e.Contains("ended because the gateway is shutting down", StringComparison.Ordinal));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static async Task<(HttpStatusCode Status, string Token, string? ContentType)> ReserveAsync(HttpClient client, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/graphql");
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString());
    }

    private static Task<SseReader> OpenAsync(HttpClient client, string token, params (string Name, string Value)[] headers) =>
        SseReader.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "/graphql"), [(TokenHeader, token), .. headers]);

    private static Task<(HttpStatusCode Status, string Body)> PostAsync(HttpClient client, string token, string id, string query, params (string Name, string Value)[] headers) =>
        PostRawAsync(client, token, JsonSerializer.Serialize(new { query, extensions = new { operationId = id } }), headers);

    private static async Task<(HttpStatusCode Status, string Body)> PostRawAsync(HttpClient client, string token, string body, params (string Name, string Value)[] headers)
    {
        // As graphql-sse's client sends it: the token header, a JSON body, no Accept of its own.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(TokenHeader, token);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var timeout = new CancellationTokenSource(GraphQLWsClient.Patience);
        using var response = await client.SendAsync(request, timeout.Token);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token));
    }

    /// <summary>Events until each of <paramref name="ids"/> has completed (keep-alive comments skipped).</summary>
    private static async Task<List<SseItem>> ReadUntilCompletedAsync(SseReader stream, params string[] ids)
    {
        var events = new List<SseItem>();
        var open = new HashSet<string>(ids, StringComparer.Ordinal);
        while (open.Count > 0)
        {
            var item = await stream.ReadEventAsync();
            events.Add(item);
            if (item.Event == "complete")
            {
                open.Remove(Id(item)!);
            }
        }

        return events;
    }

    private static string? Id(SseItem item)
    {
        using var json = JsonDocument.Parse(item.Data!);
        return json.RootElement.GetProperty("id").GetString();
    }

    private static List<string> Payloads(List<SseItem> events, string id) =>
        events.Where(e => e.Event == "next" && Id(e) == id).Select(e =>
        {
            using var json = JsonDocument.Parse(e.Data!);
            return json.RootElement.GetProperty("payload").GetRawText();
        }).ToList();

    private static Task WaitForLogAsync(GraphQLHttpTestHost host, string fragment) =>
        WaitForAsync(() => Task.FromResult(host.Logs.Count(fragment) > 0));

    /// <summary>Polls <paramref name="condition"/> until it holds, for up to the suite's patience (state changes off the request path).</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(GraphQLWsClient.Patience);
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
