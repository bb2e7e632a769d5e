using System.Net;
using static DrsGraph.Gateway.Tests.GraphQLHttp.GraphQLHttpClientExtensions;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

public sealed class ContentNegotiationTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private readonly HttpClient _client = fixture.Host.Client;

    [Theory]
    [InlineData(null, Json)]
    [InlineData("application/json", Json)]
    [InlineData("application/graphql-response+json", GraphQLResponseJson)]
    [InlineData("application/graphql-response+json, application/json", GraphQLResponseJson)]
    [InlineData("application/json, application/graphql-response+json", GraphQLResponseJson)]
    [InlineData("application/json;q=0.9, application/graphql-response+json;q=0.5", Json)]
    [InlineData("application/graphql-response+json;q=0.1, application/json", Json)]
    [InlineData("*/*", Json)]
    [InlineData("application/*", Json)]
    [InlineData("text/html, */*;q=0.8", Json)]
    [InlineData("application/graphql-response+json;q=0, */*;q=0.1", Json)]
    [InlineData("APPLICATION/GRAPHQL-RESPONSE+JSON; charset=utf-8", GraphQLResponseJson)]
    // A type refused by name is not taken through a wildcard (RFC 9110: the most specific range decides).
    [InlineData("application/json;q=0, */*", GraphQLResponseJson)]
    [InlineData("application/json;q=0, application/*", GraphQLResponseJson)]
    [InlineData("*/*;q=0.5, application/graphql-response+json;q=0.4", Json)]
    public async Task The_response_media_type_follows_the_accept_header(string? accept, string expected)
    {
        var answer = await _client.PostJsonAsync("""{"query":"{ hello }"}""", accept);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal($"{expected}; charset=utf-8", answer.ContentType);
        Assert.Equal("""{"data":{"hello":"Hello, world!"}}""", answer.Body);
    }

    /// <summary>
    /// JSON or GraphQL over SSE by q-value; on equal q the type listed first wins between them (urql's query Accept
    /// lists JSON first, all at q=1) and a named text/event-stream beats a wildcard.
    /// </summary>
    [Theory]
    [InlineData("application/json, text/event-stream;q=0.1", Json)]
    [InlineData("application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed", GraphQLResponseJson)]
    [InlineData("text/event-stream;q=0, application/json", Json)]
    [InlineData("text/event-stream;q=0.5, */*", Json)]
    [InlineData("text/event-stream;q=0.5, application/json;q=0.4", "text/event-stream")]
    [InlineData("text/event-stream, application/json", "text/event-stream")]
    [InlineData("text/event-stream, multipart/mixed", "text/event-stream")]
    [InlineData("text/event-stream, */*", "text/event-stream")]
    [InlineData("text/event-stream", "text/event-stream")]
    public async Task Json_or_an_event_stream_follows_the_q_values_of_the_accept_header(string accept, string expected)
    {
        var answer = await _client.GetWithAsync($"/graphql?query={Query("{ hello }")}", accept);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal($"{expected}; charset=utf-8", answer.ContentType);
        Assert.Contains("""{"data":{"hello":"Hello, world!"}}""", answer.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/csv")]
    [InlineData("application/xml, text/plain;q=0.5")]
    [InlineData("application/json;q=0")]
    [InlineData("application/json;q=0, application/graphql-response+json;q=0, */*")]
    [InlineData("application/*;q=0, */*")]
    public async Task An_accept_header_without_a_graphql_media_type_is_406(string accept)
    {
        var answer = await _client.PostJsonAsync("""{"query":"{ hello }"}""", accept);

        Assert.Equal(HttpStatusCode.NotAcceptable, answer.Status);
        Assert.Equal(
            """{"errors":[{"message":"None of the media types in the Accept header is supported; accept \u0027application/graphql-response\u002Bjson\u0027 or \u0027application/json\u0027.","extensions":{"code":"NOT_ACCEPTABLE","codes":["NOT_ACCEPTABLE"]}}]}""",
            answer.Body);
    }
}
