using System.Net;
using static DrsGraph.Gateway.Tests.GraphQLHttp.GraphQLHttpClientExtensions;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

public sealed class GetRequestTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private readonly HttpClient _client = fixture.Host.Client;

    [Fact]
    public async Task A_query_in_the_url_answers_200_with_its_data()
    {
        var answer = await _client.GetWithAsync($"/graphql?query={Query("{ hello }")}");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/graphql-response+json; charset=utf-8", answer.ContentType);
        Assert.Equal("""{"data":{"hello":"Hello, world!"}}""", answer.Body);
    }

    [Fact]
    public async Task Variables_extensions_and_operation_name_come_from_url_encoded_json()
    {
        var answer = await _client.GetWithAsync(
            $"/graphql?query={Query("query A { a: hello } query B($n: String) { b: hello(name: $n) }")}&operationName=B&variables={Query("""{"n":"GET"}""")}&extensions={Query("""{"x":1}""")}");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("""{"data":{"b":"Hello, GET!"}}""", answer.Body);
    }

    [Fact]
    public async Task A_mutation_over_get_is_405_allow_post_and_does_not_run()
    {
        var before = fixture.Host.Probe.Bumps;

        var answer = await _client.GetWithAsync($"/graphql?query={Query("mutation { bump }")}", Json);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, answer.Status);
        Assert.Equal("POST", answer.Header("Allow"));
        Assert.Equal(
            """{"errors":[{"message":"Mutations are not allowed over GET; send them with POST.","locations":[{"line":1,"column":1}],"extensions":{"code":"HTTP_METHOD_NOT_ALLOWED","codes":["HTTP_METHOD_NOT_ALLOWED"]}}]}""",
            answer.Body);
        Assert.Equal(before, fixture.Host.Probe.Bumps);
    }

    [Fact]
    public async Task The_operation_name_decides_whether_a_get_is_allowed()
    {
        var document = Query("query Read { hello } mutation Write { bump }");

        var read = await _client.GetWithAsync($"/graphql?query={document}&operationName=Read");
        var write = await _client.GetWithAsync($"/graphql?query={document}&operationName=Write");

        Assert.Equal((HttpStatusCode.OK, """{"data":{"hello":"Hello, world!"}}"""), (read.Status, read.Body));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, write.Status);
    }

    [Theory]
    [InlineData("/graphql", "The \\u0027query\\u0027 parameter is required.")]
    // Only an extensions object with a persistedQuery member stands in for the text, as in a POST: the words anywhere
    // else in the parameter made it PERSISTED_QUERY_INVALID.
    [InlineData("/graphql?extensions=%7B%22note%22%3A%22persistedQuery%22%7D", "The \\u0027query\\u0027 parameter is required.")]
    [InlineData("/graphql?extensions=%7B%22persistedQueryX%22%3A1%7D", "The \\u0027query\\u0027 parameter is required.")]
    [InlineData("/graphql?query=%7B%20hello%20%7D&variables=%5B1%5D", "The \\u0027variables\\u0027 parameter must be a JSON object.")]
    [InlineData("/graphql?query=%7B%20hello%20%7D&extensions=%22s%22", "The \\u0027extensions\\u0027 parameter must be a JSON object.")]
    [InlineData("/graphql?query=%7B%20hello%20%7D&query=%7B%20hello%20%7D", "The \\u0027query\\u0027 parameter must be given at most once.")]
    public async Task A_malformed_get_is_400_naming_the_problem(string pathAndQuery, string message)
    {
        var answer = await _client.GetWithAsync(pathAndQuery);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal($$$"""{"errors":[{"message":"{{{message}}}","extensions":{"code":"INVALID_REQUEST","codes":["INVALID_REQUEST"]}}]}""", answer.Body);
    }

    [Theory]
    [InlineData("%7Bnot-json", "The \\u0027variables\\u0027 parameter is not valid JSON (line 1, byte 2).")]
    [InlineData("%7B%22a%22%3A%22%5Cud800%22%7D", "The \\u0027variables\\u0027 parameter is not valid JSON (byte 6): a string escapes a lone UTF-16 surrogate, such as \\\\ud800 without a low surrogate after it.")]
    [InlineData("%7B%22a%22%3A1%2C%22a%22%3A2%7D", "The \\u0027variables\\u0027 parameter is not valid JSON: an object has the same property name twice.")]
    public async Task Variables_that_are_not_readable_json_are_400_invalid_json(string variables, string message)
    {
        var answer = await _client.GetWithAsync($"/graphql?query=%7B%20hello%20%7D&variables={variables}");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal($$$"""{"errors":[{"message":"{{{message}}}","extensions":{"code":"INVALID_JSON","codes":["INVALID_JSON"]}}]}""", answer.Body);
    }

    [Fact]
    public async Task Without_an_accept_header_a_get_answers_application_json()
    {
        var answer = await _client.GetWithAsync($"/graphql?query={Query("{ hello }")}", accept: null);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/json; charset=utf-8", answer.ContentType);
        Assert.Equal("""{"data":{"hello":"Hello, world!"}}""", answer.Body);
    }
}
