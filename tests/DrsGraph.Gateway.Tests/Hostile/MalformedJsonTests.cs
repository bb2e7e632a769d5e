using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// JSON text that parses but cannot be read (an escaped lone surrogate, a repeated name, a 1000-digit number),
/// wherever it sits in the request, is the client's malformed JSON: 400 <c>INVALID_JSON</c>, one log line, never a 500.
/// </summary>
public sealed class MalformedJsonTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    private const string Refused = "Refused a malformed GraphQL request";
    private const string Surrogate = "lone UTF-16 surrogate";

    public static TheoryData<string, byte[], string> Bodies()
    {
        static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
        var digits = new string('9', 1000);
        return new TheoryData<string, byte[], string>
        {
            { "a high surrogate in the query", Utf8("""{"query":"{ __typename } \ud800"}"""), Surrogate },
            { "a low surrogate in the query", Utf8("""{"query":"\udc00{ __typename }"}"""), Surrogate },
            { "a high surrogate before a letter", Utf8("""{"query":"{ __typename }\ud800\u0041"}"""), Surrogate },
            { "two high surrogates", Utf8("""{"query":"{ __typename }\ud800\ud800"}"""), Surrogate },
            { "a surrogate pair backwards", Utf8("""{"query":"{ __typename }\udc00\ud800"}"""), Surrogate },
            { "a lone surrogate in the operation name", Utf8("""{"query":"query A { __typename }","operationName":"A\ud800"}"""), Surrogate },
            { "a lone surrogate in a variable name", Utf8("""{"query":"{ __typename }","variables":{"\ud800":1}}"""), Surrogate },
            { "a lone surrogate in a variable value", Utf8("""{"query":"query($id: ID!) { job(id: $id) { id } }","variables":{"id":"\ud800"}}"""), Surrogate },
            { "a lone surrogate nested in variables", Utf8("""{"query":"{ __typename }","variables":{"a":{"b":[1,{"c":["\udfff"]}]}}}"""), Surrogate },
            { "a lone surrogate in a nested variable name", Utf8("""{"query":"{ __typename }","variables":{"a":[{"\udbff":true}]}}"""), Surrogate },
            { "a lone surrogate in extensions", Utf8("""{"query":"{ __typename }","extensions":{"persistedQuery":{"sha256Hash":"\ud800"}}}"""), Surrogate },
            { "a lone surrogate in an extensions name", Utf8("""{"query":"{ __typename }","extensions":{"\ud800":1}}"""), Surrogate },
            { "a lone surrogate in an unknown member's name", Utf8("""{"query":"{ __typename }","\ud800":1}"""), Surrogate },
            { "a lone surrogate in the second entry of a batch", Utf8("""[{"query":"{ __typename }"},{"query":"{ __typename \ud800 }"}]"""), Surrogate },
            { "a lone surrogate in a batch entry's variables", Utf8("""[{"query":"{ __typename }","variables":{"a":"\ud800"}}]"""), Surrogate },
            { "a surrogate encoded as UTF-8 bytes", [.. Utf8("""{"query":"{ __typename }","variables":{"a":" """), 0xED, 0xA0, 0x80, .. Utf8("\"}}")], "not valid UTF-8" },
            { "an overlong UTF-8 slash", [.. Utf8("""{"query":"{ __typename }","variables":{"a":" """), 0xC0, 0xAF, .. Utf8("\"}}")], "not valid UTF-8" },
            { "a repeated variable name", Utf8("""{"query":"{ __typename }","variables":{"a":1,"a":2}}"""), "same property name twice" },
            { "a repeated query member", Utf8("""{"query":"{ __typename }","query":"{ job }"}"""), "same property name twice" },
            { "a repeated name in a batch entry's extensions", Utf8("""[{"query":"{ __typename }","extensions":{"x":{"y":1,"y":1}}}]"""), "same property name twice" },
            { "a 1000-digit variable", Utf8($$$"""{"query":"query($id: ID!) { job(id: $id) { id } }","variables":{"id":{{{digits}}}}}"""), "longer than 100 characters" },
            { "a 1000-digit fraction in extensions", Utf8($$$"""{"query":"{ __typename }","extensions":{"x":0.{{{digits}}}}}"""), "longer than 100 characters" },
            { "variables nested 65 deep", Utf8("""{"query":"{ __typename }","variables":{"a":""" + new string('[', 65) + new string(']', 65) + "}}"), "nests deeper than 64 levels (line 1" },
            { "a NaN variable", Utf8("""{"query":"{ __typename }","variables":{"a":NaN}}"""), "not valid JSON (line 1" },
            { "trailing garbage", Utf8("""{"query":"{ __typename }"} {"query":"{ job }"}"""), "not valid JSON (line 1" },
            { "a byte order mark", [0xEF, 0xBB, 0xBF, .. Utf8("""{"query":"{ __typename }"}""")], "not valid JSON (line 1, byte 1)" },
            { "a single quote string", Utf8("""{'query':'{ __typename }'}"""), "not valid JSON (line 1" },
            { "a comment", Utf8("""{"query":"{ __typename }" /* hi */}"""), "not valid JSON (line 1" },
        };
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Unreadable_json_text_in_a_post_is_400_invalid_json_with_one_log_line(string what, byte[] body, string expected)
    {
        var logged = fixture.Rig.Logs.Entries.Count;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);

        var answer = await fixture.Rig.SendAsync(request);

        Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{what}: {(int)answer.Status} {answer.Raw}");
        var error = Assert.Single(answer.Errors)!;
        Assert.Contains(expected, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("INVALID_JSON", error["extensions"]!["code"]!.GetValue<string>());
        AssertOneClientErrorLine(logged);
    }

    [Fact]
    public async Task The_same_surrogate_is_also_refused_with_application_json()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent("""{"query":"\ud800"}""", Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");

        var answer = await fixture.Rig.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("INVALID_JSON", Assert.Single(answer.Codes));
    }

    public static TheoryData<string, string, int, string> Gets() => new()
    {
        { "a lone surrogate escaped in variables", "query=%7B__typename%7D&variables=%7B%22a%22%3A%22%5Cud800%22%7D", 400, Surrogate },
        { "a lone surrogate escaped in a nested variable name", "query=%7B__typename%7D&variables=%7B%22a%22%3A%5B%7B%22%5Cudc00%22%3A1%7D%5D%7D", 400, Surrogate },
        { "a lone surrogate escaped in extensions", "query=%7B__typename%7D&extensions=%7B%22a%22%3A%22%5Cud800%22%7D", 400, Surrogate },
        { "a repeated variable name", "query=%7B__typename%7D&variables=%7B%22a%22%3A1%2C%22a%22%3A2%7D", 400, "same property name twice" },
        { "a 1000-digit variable", "query=%7B__typename%7D&variables=%7B%22a%22%3A" + new string('9', 1000) + "%7D", 400, "longer than 100 characters" },
        // Invalid UTF-8 in the URL is left percent-encoded by ASP.NET Core: harmless text, then GraphQL's own errors.
        { "invalid UTF-8 in the query", "query=%7B__typename%ED%A0%80%7D", 400, "SYNTAX_ERROR" },
        { "invalid UTF-8 in a variable", "query=query(%24id%3A%20ID!)%20%7B%20job(id%3A%20%24id)%20%7B%20id%20%7D%20%7D&variables=%7B%22id%22%3A%22%ED%A0%80%22%7D", 200, "INVALID_JOB_ID" },
        { "invalid UTF-8 in the operation name", "query=%7B__typename%7D&operationName=%ED%A0%80", 400, "INVALID_OPERATION_NAME" },
    };

    [Theory]
    [MemberData(nameof(Gets))]
    public async Task Unreadable_text_in_a_get_is_a_client_error_never_a_500(string what, string query, int status, string expected)
    {
        var logged = fixture.Rig.Logs.Entries.Count;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/graphql?" + query);
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);

        var answer = await fixture.Rig.SendAsync(request);

        Assert.True((int)answer.Status == status, $"{what}: {(int)answer.Status} {answer.Raw}");
        var said = string.Join("\n", answer.Errors.Select(e => $"{e!["message"]} {e["extensions"]?["code"]}"));
        Assert.Contains(expected, said, StringComparison.Ordinal);
        AssertNoErrorLevelEntry(logged);
    }

    private void AssertOneClientErrorLine(int loggedBefore)
    {
        var entries = AssertNoErrorLevelEntry(loggedBefore);
        var refused = entries.Where(e => e.Contains(Refused, StringComparison.Ordinal)).ToList();
        Assert.True(refused.Count == 1, $"expected one '{Refused}' line, got:\n{string.Join("\n", entries)}");
        Assert.StartsWith("Information ", refused[0], StringComparison.Ordinal);
    }

    private List<string> AssertNoErrorLevelEntry(int loggedBefore)
    {
        var entries = fixture.Rig.Logs.Entries.Skip(loggedBefore).ToList();
        var bad = entries.Where(e => e.StartsWith("Error ", StringComparison.Ordinal) || e.StartsWith("Critical ", StringComparison.Ordinal) || e.Contains("   at ", StringComparison.Ordinal)).ToList();
        Assert.True(bad.Count == 0, $"error-level or stack-trace log entries:\n{string.Join("\n", bad.Take(3))}");
        return entries;
    }
}
