using System.Net;
using DrsGraph.Gateway.Tests.GraphQLHttp;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>GraphQL over SSE (graphql-sse's distinct connections mode) on /graphql over real Kestrel.</summary>
public sealed class EventStreamTransportTests
{
    private static readonly SseItem Complete = new("complete", "", IsComment: false);

    [Fact]
    public async Task A_subscription_posted_with_accept_event_stream_streams_next_events_then_complete()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        using var stream = await SseReader.PostAsync(host.Client, """{"query":"subscription { ticks(count: 3) }"}""");

        Assert.Equal(HttpStatusCode.OK, stream.Status);
        Assert.Equal("text/event-stream; charset=utf-8", stream.ContentType);
        Assert.Equal(
            [
                new SseItem("next", """{"data":{"ticks":1}}""", false),
                new SseItem("next", """{"data":{"ticks":2}}""", false),
                new SseItem("next", """{"data":{"ticks":3}}""", false),
                Complete,
            ],
            await stream.ReadToEndAsync());
        Assert.Equal(0, host.Probe.ActiveStreams);
    }

    [Fact]
    public async Task A_subscription_over_get_streams_too()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        using var stream = await SseReader.GetAsync(host.Client, "subscription { ticks(count: 1) }");

        Assert.Equal([new SseItem("next", """{"data":{"ticks":1}}""", false), Complete], await stream.ReadToEndAsync());
    }

    [Fact]
    public async Task A_query_over_sse_answers_one_next_then_complete()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        using var stream = await SseReader.PostAsync(host.Client, """{"query":"{ caller }"}""", ("X-Caller", "sse"));

        var items = await stream.ReadToEndAsync();

        Assert.Equal(2, items.Count);
        Assert.StartsWith("""{"data":{"caller":"sse#""", items[0].Data, StringComparison.Ordinal);
        Assert.Equal(Complete, items[1]);
    }

    [Theory]
    [InlineData("""{"query":"subscription { nope }"}""", "nope")]
    [InlineData("""{"query":"{"}""", "Error parsing query")]
    [InlineData("""{"nope":1}""", "query")]
    [InlineData("""[{"query":"{ hello }"}]""", "Batches")]
    [InlineData("""{"query":""", "not valid JSON")]
    public async Task Errors_found_before_execution_are_events_on_the_accepted_stream(string body, string mentioned)
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        using var stream = await SseReader.PostAsync(host.Client, body);

        Assert.Equal(HttpStatusCode.OK, stream.Status);
        var items = await stream.ReadToEndAsync();
        Assert.Equal("next", items[0].Event);
        Assert.Contains("\"errors\"", items[0].Data, StringComparison.Ordinal);
        Assert.Contains(mentioned, items[0].Data, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Complete, items[1]);
    }

    [Fact]
    public async Task A_mutation_over_get_is_refused_as_an_event()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        using var stream = await SseReader.GetAsync(host.Client, "mutation { bump }");

        var items = await stream.ReadToEndAsync();

        Assert.Contains("Mutations are not allowed over GET", items[0].Data, StringComparison.Ordinal);
        Assert.Equal(0, host.Probe.Bumps);
    }

    [Fact]
    public async Task An_idle_stream_gets_keep_alive_comments()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:KeepAliveInterval", "00:00:00.200"));
        using var stream = await SseReader.PostAsync(host.Client, """{"query":"subscription { forever }"}""");

        Assert.Equal(new SseItem("next", """{"data":{"forever":1}}""", false), await stream.ReadAsync());
        Assert.True((await stream.ReadAsync())!.IsComment);
        Assert.True((await stream.ReadAsync())!.IsComment);
    }

    [Fact]
    public async Task The_client_closing_the_stream_disposes_the_subscription()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        var stream = await SseReader.PostAsync(host.Client, """{"query":"subscription { forever }"}""");
        Assert.Equal("next", (await stream.ReadEventAsync()).Event);

        stream.Dispose();

        await host.Probe.ForeverDisposed.Task.WaitAsync(GraphQLWsClient.Patience);
    }

    [Fact]
    public async Task A_failing_source_ends_the_stream_with_an_error_event_then_complete()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        using var stream = await SseReader.PostAsync(host.Client, """{"query":"subscription { broken }"}""");

        var items = await stream.ReadToEndAsync();

        Assert.Equal(3, items.Count);
        Assert.Equal("""{"data":{"broken":1}}""", items[0].Data);
        Assert.Contains("SUBSCRIPTION_ENDED", items[1].Data, StringComparison.Ordinal);
        Assert.DoesNotContain("the test stream broke", items[1].Data, StringComparison.Ordinal);
        Assert.Equal(Complete, items[2]);
    }

    [Fact]
    public async Task A_cross_site_event_stream_get_is_refused_by_the_csrf_rules()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        using var stream = await SseReader.GetAsync(host.Client, "subscription { ticks(count: 1) }", ("Sec-Fetch-Site", "cross-site"));

        Assert.Equal(HttpStatusCode.BadRequest, stream.Status);
        Assert.Equal(0, host.Probe.ActiveStreams);
    }

    [Fact]
    public async Task A_cross_site_get_with_the_preflight_header_streams()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        using var stream = await SseReader.GetAsync(host.Client, "subscription { ticks(count: 1) }", ("Sec-Fetch-Site", "cross-site"), ("GraphQL-Require-Preflight", "1"));

        Assert.Equal(HttpStatusCode.OK, stream.Status);
        Assert.Equal("next", (await stream.ReadEventAsync()).Event);
    }

    [Fact]
    public async Task A_caller_over_its_connection_limit_gets_an_error_event()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:MaxConnectionsPerCaller", "1"));
        using var first = await SseReader.PostAsync(host.Client, """{"query":"subscription { forever }"}""", ("X-Auth-Token", "token-a"));
        Assert.Equal("next", (await first.ReadEventAsync()).Event);

        using var second = await SseReader.PostAsync(host.Client, """{"query":"subscription { forever }"}""", ("X-Auth-Token", "token-a"));

        var items = await second.ReadToEndAsync();
        Assert.Contains("TOO_MANY_CONNECTIONS", items[0].Data, StringComparison.Ordinal);
        Assert.Equal(Complete, items[1]);
    }

    [Fact]
    public async Task An_address_over_its_connection_limit_gets_an_error_event_whatever_token_it_sends()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("GraphQL:Streaming:MaxConnectionsPerCaller", "1"), ("GraphQL:Streaming:MaxConnectionsPerAddress", "1"));
        using var first = await SseReader.PostAsync(host.Client, """{"query":"subscription { forever }"}""", ("X-Auth-Token", "token-a"));
        Assert.Equal("next", (await first.ReadEventAsync()).Event);

        using var second = await SseReader.PostAsync(host.Client, """{"query":"subscription { forever }"}""", ("X-Auth-Token", "token-b"));

        var items = await second.ReadToEndAsync();
        Assert.Contains("TOO_MANY_CONNECTIONS", items[0].Data, StringComparison.Ordinal);
        Assert.Contains("GraphQL:Streaming:MaxConnectionsPerAddress", items[0].Data, StringComparison.Ordinal);
        Assert.Equal(Complete, items[1]);
    }

    /// <remarks>
    /// Without <c>complete</c>: the subscription did not finish, and graphql-sse's client stops for good after a
    /// <c>complete</c> but subscribes again (to another replica) when a stream ends without one.
    /// </remarks>
    [Fact]
    public async Task Shutdown_ends_open_streams_without_complete_so_clients_subscribe_again()
    {
        var host = await GraphQLHttpTestHost.StartAsync();
        try
        {
            using var stream = await SseReader.PostAsync(host.Client, """{"query":"subscription { forever }"}""");
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
}
