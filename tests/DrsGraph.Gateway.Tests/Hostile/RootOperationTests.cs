using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// The schema has no mutation root: a mutation is the client's mistake, answered with a GraphQL error naming
/// it (<c>OPERATION_TYPE_NOT_SUPPORTED</c>), the spec's status codes, and no Error log. A subscription over
/// plain POST or GET is refused the same way, with <c>SUBSCRIPTION_NEEDS_STREAM</c> (it needs a WebSocket or SSE).
/// </summary>
public sealed class RootOperationTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    [Theory]
    [InlineData("mutation { x }", "mutation")]
    [InlineData("mutation M($id: ID!) { cancel(id: $id) { id } }", "mutation")]
    public async Task An_operation_without_a_root_is_400_with_graphql_response_json_and_200_with_json(string query, string kind)
    {
        var logged = fixture.Rig.Logs.Entries.Count;

        var spec = await PostAsync($$"""{"query":{{System.Text.Json.JsonSerializer.Serialize(query)}}}""", "application/graphql-response+json");
        var legacy = await PostAsync($$"""{"query":{{System.Text.Json.JsonSerializer.Serialize(query)}}}""", "application/json");

        Assert.True(spec.Status == HttpStatusCode.BadRequest, spec.Raw);
        Assert.True(legacy.Status == HttpStatusCode.OK, legacy.Raw);
        foreach (var answer in new[] { spec, legacy })
        {
            var error = Assert.Single(answer.Errors)!;
            Assert.Equal($"This schema has no {kind} type; DrsGraph only answers queries.", error["message"]!.GetValue<string>());
            Assert.Equal("OPERATION_TYPE_NOT_SUPPORTED", error["extensions"]!["code"]!.GetValue<string>());
            Assert.Null(answer.Data);
        }

        AssertNoErrorLevelEntry(logged);
        // One line per request: the operation telemetry's, naming the code.
        var lines = fixture.Rig.Logs.Entries.Skip(logged).Where(e => e.Contains("OPERATION_TYPE_NOT_SUPPORTED", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 2, string.Join("\n", lines));
        Assert.All(lines, line => Assert.StartsWith("Information ", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_subscription_over_plain_post_is_400_with_graphql_response_json_and_200_with_json()
    {
        var logged = fixture.Rig.Logs.Entries.Count;
        const string Body = """{"query":"subscription { jobUpdates(ids: [\"9a470239-2308-4bb5-a6bc-1040402fjb21\"]) { changes } }"}""";

        var spec = await PostAsync(Body, "application/graphql-response+json");
        var legacy = await PostAsync(Body, "application/json");

        AssertNeedsStream(spec, legacy);
        AssertNoErrorLevelEntry(logged);
    }

    /// <summary>SUBSCRIPTION_NEEDS_STREAM, with 400 when the spec's media type was asked for and 200 with plain JSON.</summary>
    private static void AssertNeedsStream(GraphQLAnswer spec, GraphQLAnswer legacy)
    {
        Assert.True(spec.Status == HttpStatusCode.BadRequest, spec.Raw);
        Assert.True(legacy.Status == HttpStatusCode.OK, legacy.Raw);
        foreach (var answer in new[] { spec, legacy })
        {
            Assert.Equal("SUBSCRIPTION_NEEDS_STREAM", Assert.Single(answer.Codes));
            Assert.Null(answer.Data);
        }
    }

    /// <summary>A subscription over a plain GET needs a stream, not another method: the POST's code and statuses, not 405.</summary>
    [Fact]
    public async Task A_subscription_over_plain_get_is_refused_as_over_plain_post()
    {
        var logged = fixture.Rig.Logs.Entries.Count;
        const string Query = """subscription { jobUpdates(ids: ["9a470239-2308-4bb5-a6bc-1040402fjb21"]) { changes } }""";

        var spec = await GetAsync(Query, "application/graphql-response+json");
        var legacy = await GetAsync(Query, "application/json");

        AssertNeedsStream(spec, legacy);
        AssertNoErrorLevelEntry(logged);
    }

    [Fact]
    public async Task In_a_batch_only_the_mutation_and_the_subscription_get_an_error()
    {
        var logged = fixture.Rig.Logs.Entries.Count;

        var answer = await PostAsync("""[{"query":"{ __typename }"},{"query":"mutation { x }"},{"query":"subscription { y }"}]""", "application/graphql-response+json");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var entries = answer.Json!.AsArray();
        Assert.Equal("Query", entries[0]!["data"]!["__typename"]!.GetValue<string>());
        Assert.Equal("OPERATION_TYPE_NOT_SUPPORTED", entries[1]!["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Contains(entries[2]!["errors"]!.AsArray(), e => (string?)e!["extensions"]?["code"] == "SUBSCRIPTION_NEEDS_STREAM");
        AssertNoErrorLevelEntry(logged);
    }

    [Fact]
    public async Task The_operation_name_picks_which_operation_is_checked_even_for_a_cached_document()
    {
        const string Document = "query Read { __typename } mutation Write { x }";

        var read = await PostAsync($$"""{"query":"{{Document}}","operationName":"Read"}""", "application/graphql-response+json");
        var write = await PostAsync($$"""{"query":"{{Document}}","operationName":"Write"}""", "application/graphql-response+json");

        read.AssertNoErrors();
        Assert.Equal(HttpStatusCode.BadRequest, write.Status);
        Assert.Equal("OPERATION_TYPE_NOT_SUPPORTED", Assert.Single(write.Codes));
    }

    [Fact]
    public async Task A_mutation_over_get_is_still_405()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/graphql?query=" + Uri.EscapeDataString("mutation { x }"));
        request.Headers.Accept.ParseAdd("application/graphql-response+json");

        var answer = await fixture.Rig.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, answer.Status);
        Assert.Contains("HTTP_METHOD_NOT_ALLOWED", answer.Codes);
    }

    private async Task<GraphQLAnswer> PostAsync(string json, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd(accept);
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);
        return await fixture.Rig.SendAsync(request);
    }

    private async Task<GraphQLAnswer> GetAsync(string query, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/graphql?query=" + Uri.EscapeDataString(query));
        request.Headers.Accept.ParseAdd(accept);
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);
        return await fixture.Rig.SendAsync(request);
    }

    private void AssertNoErrorLevelEntry(int loggedBefore)
    {
        var bad = fixture.Rig.Logs.Entries.Skip(loggedBefore)
            .Where(e => e.StartsWith("Error ", StringComparison.Ordinal) || e.StartsWith("Critical ", StringComparison.Ordinal) || e.Contains("   at ", StringComparison.Ordinal))
            .ToList();
        Assert.True(bad.Count == 0, $"error-level or stack-trace log entries:\n{string.Join("\n", bad.Take(3))}");
    }
}
