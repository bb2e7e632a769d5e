using System.Net;
using System.Text;
using static DrsGraph.Gateway.Tests.GraphQLHttp.GraphQLHttpClientExtensions;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

public sealed class PostRequestTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private readonly HttpClient _client = fixture.Host.Client;

    [Fact]
    public async Task A_query_posted_as_json_answers_200_with_its_data_in_utf8_graphql_response_json()
    {
        var answer = await _client.PostJsonAsync("""{"query":"{ hello }"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/graphql-response+json; charset=utf-8", answer.ContentType);
        Assert.Equal("""{"data":{"hello":"Hello, world!"}}""", answer.Body);
    }

    [Fact]
    public async Task Variables_and_operation_name_select_and_feed_the_operation()
    {
        var answer = await _client.PostJsonAsync(
            """{"query":"query A { a: hello } query B($n: String) { b: hello(name: $n) }","operationName":"B","variables":{"n":"DRS"},"extensions":{"trace":true}}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("""{"data":{"b":"Hello, DRS!"}}""", answer.Body);
    }

    [Fact]
    public async Task Null_variables_operation_name_and_extensions_are_the_same_as_absent()
    {
        var answer = await _client.PostJsonAsync("""{"query":"{ hello }","variables":null,"operationName":null,"extensions":null}""", Json);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("""{"data":{"hello":"Hello, world!"}}""", answer.Body);
    }

    [Fact]
    public async Task A_mutation_runs_over_post()
    {
        var before = fixture.Host.Probe.Bumps;

        var answer = await _client.PostJsonAsync("""{"query":"mutation { bump }"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal($$$"""{"data":{"bump":{{{before + 1}}}}}""", answer.Body);
    }

    [Fact]
    public async Task A_resolver_exception_is_a_field_error_with_data_200_and_no_internal_detail()
    {
        var answer = await _client.PostJsonAsync("""{"query":"{ hello boom }"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(
            """{"errors":[{"message":"Error trying to resolve field \u0027boom\u0027.","locations":[{"line":1,"column":9}],"path":["boom"],"extensions":{"code":"INVALID_OPERATION","codes":["INVALID_OPERATION"]}}],"data":{"hello":"Hello, world!","boom":null}}""",
            answer.Body);
        Assert.DoesNotContain("secret", answer.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task A_document_that_fails_validation_has_no_data_and_is_400_only_for_graphql_response_json(string accept, HttpStatusCode expected)
    {
        var answer = await _client.PostJsonAsync("""{"query":"{ nope }"}""", accept);

        Assert.Equal(expected, answer.Status);
        Assert.Equal($"{accept}; charset=utf-8", answer.ContentType);
        Assert.Equal(
            """{"errors":[{"message":"Cannot query field \u0027nope\u0027 on type \u0027Query\u0027.","locations":[{"line":1,"column":3}],"extensions":{"code":"FIELDS_ON_CORRECT_TYPE","codes":["FIELDS_ON_CORRECT_TYPE"],"number":"5.3.1"}}]}""",
            answer.Body);
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task A_document_that_does_not_parse_has_no_data_and_is_400_only_for_graphql_response_json(string accept, HttpStatusCode expected)
    {
        var answer = await _client.PostJsonAsync("""{"query":"{"}""", accept);

        Assert.Equal(expected, answer.Status);
        Assert.StartsWith("""{"errors":[{"message":"Error parsing query:""", answer.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"data\"", answer.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task A_variable_of_the_wrong_type_is_a_request_error_without_data(string accept, HttpStatusCode expected)
    {
        var answer = await _client.PostJsonAsync("""{"query":"query($n: String) { hello(name: $n) }","variables":{"n":{"not":"a string"}}}""", accept);

        Assert.Equal(expected, answer.Status);
        Assert.Equal(
            """{"errors":[{"message":"Variable \u0027$n\u0027 is invalid. Unable to convert \u0027(object)\u0027 to \u0027String\u0027","locations":[{"line":1,"column":7}],"extensions":{"code":"INVALID_VALUE","codes":["INVALID_VALUE","INVALID_OPERATION"],"number":"5.8"}}]}""",
            answer.Body);
    }

    [Theory]
    [InlineData("""{"notquery":"{ hello }"}""", "The \\u0027query\\u0027 parameter is required.")]
    [InlineData("""{"query":null}""", "The \\u0027query\\u0027 parameter is required.")]
    [InlineData("""{"query":{"obj":"ect"}}""", "The \\u0027query\\u0027 parameter must be a string.")]
    [InlineData("""{"query":0}""", "The \\u0027query\\u0027 parameter must be a string.")]
    [InlineData("""{"query":false}""", "The \\u0027query\\u0027 parameter must be a string.")]
    [InlineData("""{"query":["array"]}""", "The \\u0027query\\u0027 parameter must be a string.")]
    [InlineData("""{"query":"{ hello }","operationName":0}""", "The \\u0027operationName\\u0027 parameter must be a string.")]
    [InlineData("""{"query":"{ hello }","operationName":{"obj":"ect"}}""", "The \\u0027operationName\\u0027 parameter must be a string.")]
    [InlineData("""{"query":"{ hello }","variables":"string"}""", "The \\u0027variables\\u0027 parameter must be a JSON object.")]
    [InlineData("""{"query":"{ hello }","variables":["array"]}""", "The \\u0027variables\\u0027 parameter must be a JSON object.")]
    [InlineData("""{"query":"{ hello }","extensions":0}""", "The \\u0027extensions\\u0027 parameter must be a JSON object.")]
    [InlineData("""{"query":"{ hello }","extensions":false}""", "The \\u0027extensions\\u0027 parameter must be a JSON object.")]
    [InlineData("42", "Each GraphQL request must be a JSON object with a \\u0027query\\u0027 member.")]
    [InlineData("""{ "not a JSON""", "The request body is not valid JSON (line 1, byte 14).", "INVALID_JSON")]
    [InlineData("""{"query":"{ hello }","variables":{"n":"\udc00"}}""", "The request body is not valid JSON (byte 39): a string escapes a lone UTF-16 surrogate, such as \\\\ud800 without a low surrogate after it.", "INVALID_JSON")]
    public async Task A_malformed_request_is_400_naming_the_problem_with_either_media_type(string body, string message, string? code = null)
    {
        var strict = await _client.PostJsonAsync(body, GraphQLResponseJson);
        var legacy = await _client.PostJsonAsync(body, Json);

        code ??= "INVALID_REQUEST";
        var extensions = $$$""","extensions":{"code":"{{{code}}}","codes":["{{{code}}}"]}""";
        var expected = $$"""{"errors":[{"message":"{{message}}"{{extensions}}}]}""";
        Assert.Equal((HttpStatusCode.BadRequest, expected), (strict.Status, strict.Body));
        Assert.Equal((HttpStatusCode.BadRequest, expected), (legacy.Status, legacy.Body));
        Assert.Equal("application/json; charset=utf-8", legacy.ContentType);
    }

    [Fact]
    public async Task Json_nested_past_64_levels_is_refused_for_its_depth_not_as_a_syntax_error()
    {
        // The body's object is level 1 and variables level 2: 62 more arrays reach 64, one more passes it.
        static string Body(int arrays) => $$$"""{"query":"{ hello }","variables":{"v":{{{new string('[', arrays)}}}1{{{new string(']', arrays)}}}}}""";

        var deepest = await _client.PostJsonAsync(Body(62));
        var tooDeep = await _client.PostJsonAsync(Body(63));

        Assert.DoesNotContain("INVALID_JSON", deepest.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooDeep.Status);
        Assert.True(tooDeep.Body.StartsWith("""{"errors":[{"message":"The request body nests deeper than 64 levels (line 1, byte""", StringComparison.Ordinal), tooDeep.Body);
        Assert.Contains("INVALID_JSON", tooDeep.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_body_is_a_request_error()
    {
        var answer = await _client.PostRawAsync([], Json, GraphQLResponseJson);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("""{"errors":[{"message":"The request body is empty; send a JSON object with a \u0027query\u0027 member.","extensions":{"code":"INVALID_REQUEST","codes":["INVALID_REQUEST"]}}]}""", answer.Body);
    }

    [Fact]
    public async Task A_body_that_is_not_utf8_is_a_request_error()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("{\"query\":\"{ hello(name: \\\""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\\\") }\"}")];

        var answer = await _client.PostRawAsync(body, "application/json; charset=utf-8", GraphQLResponseJson);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("""{"errors":[{"message":"The request body is not valid UTF-8.","extensions":{"code":"INVALID_JSON","codes":["INVALID_JSON"]}}]}""", answer.Body);
    }

    [Fact]
    public async Task Utf8_text_in_the_body_round_trips()
    {
        var answer = await _client.PostRawAsync(Encoding.UTF8.GetBytes("""{"query":"{ hello(name: \"Zoë 東京\") }"}"""), "application/json; charset=UTF-8", GraphQLResponseJson);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("{\"data\":{\"hello\":\"Hello, Zo\\u00EB \\u6771\\u4EAC!\"}}", answer.Body);
    }

    [Theory]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json;charset=UTF-8")]
    [InlineData("Application/JSON")]
    public async Task Utf8_content_types_are_accepted_however_they_are_spelled(string contentType)
    {
        var answer = await _client.PostRawAsync(Encoding.UTF8.GetBytes("""{"query":"{ hello }"}"""), contentType, GraphQLResponseJson);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    [Theory]
    [InlineData("text/plain", "Content-Type \\u0027text/plain\\u0027 is not supported; send \\u0027application/json\\u0027.")]
    [InlineData("application/graphql", "Content-Type \\u0027application/graphql\\u0027 is not supported; send \\u0027application/json\\u0027.")]
    [InlineData("application/json; charset=latin1", "Charset \\u0027latin1\\u0027 is not supported; send UTF-8.")]
    [InlineData(null, "Content-Type \\u0027\\u0027 is not supported; send \\u0027application/json\\u0027.")]
    public async Task Other_content_types_and_charsets_are_415(string? contentType, string message)
    {
        var answer = await _client.PostRawAsync(Encoding.UTF8.GetBytes("""{"query":"{ hello }"}"""), contentType, GraphQLResponseJson);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.Status);
        Assert.Equal($$$"""{"errors":[{"message":"{{{message}}}","extensions":{"code":"UNSUPPORTED_MEDIA_TYPE","codes":["UNSUPPORTED_MEDIA_TYPE"]}}]}""", answer.Body);
    }

    /// <summary>A gzip body was read as text and refused as "not valid UTF-8" (400); RFC 9110 answers a content coding it does not take with 415.</summary>
    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate, br")]
    public async Task A_compressed_body_is_415(string coding)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new ByteArrayContent([0x1f, 0x8b, 0x08, 0x00]) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", Json);
        request.Content.Headers.TryAddWithoutValidation("Content-Encoding", coding);

        var answer = await _client.SendWithAsync(request, GraphQLResponseJson);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.Status);
        Assert.Contains("send the body uncompressed", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_http_methods_are_405_with_allow_listing_the_supported_ones()
    {
        var answer = await _client.SendWithAsync(new HttpRequestMessage(HttpMethod.Patch, "/graphql") { Content = new StringContent("""{"query":"{ hello }"}""", Encoding.UTF8, Json) }, null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, answer.Status);
        Assert.Equal("GET, POST, PUT, DELETE", answer.Header("Allow"));
        Assert.Equal("""{"errors":[{"message":"HTTP method PATCH is not supported; use GET or POST (PUT and DELETE: the single connection mode of GraphQL over SSE).","extensions":{"code":"METHOD_NOT_ALLOWED","codes":["METHOD_NOT_ALLOWED"]}}]}""", answer.Body);
    }

    [Fact]
    public async Task An_exception_outside_the_executer_becomes_a_graphql_error_without_its_details()
    {
        var answer = await _client.PostJsonAsync("""{"query":"{ hello }"}""", GraphQLResponseJson, ("X-Fail", "1"));

        Assert.Equal(HttpStatusCode.InternalServerError, answer.Status);
        Assert.Equal("""{"errors":[{"message":"The request could not be executed because of an internal error.","extensions":{"code":"INTERNAL_ERROR","codes":["INTERNAL_ERROR"]}}]}""", answer.Body);
    }
}
