using System.Net;
using static DrsGraph.Gateway.Tests.GraphQLHttp.GraphQLHttpClientExtensions;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

public sealed class BatchTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private readonly HttpClient _client = fixture.Host.Client;

    [Fact]
    public async Task A_batch_answers_an_array_of_results_in_request_order()
    {
        var answer = await _client.PostJsonAsync("""[{"query":"{ hello }"},{"query":"query($n: String) { hello(name: $n) }","variables":{"n":"two"}}]""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/graphql-response+json; charset=utf-8", answer.ContentType);
        Assert.Equal("""[{"data":{"hello":"Hello, world!"}},{"data":{"hello":"Hello, two!"}}]""", answer.Body);
    }

    [Fact]
    public async Task A_malformed_or_invalid_entry_fails_alone_and_the_others_still_run()
    {
        var answer = await _client.PostJsonAsync("""[{"query":"{ hello }"},{"query":7},{"query":"{ nope }"},"x",{"query":"{ hello(name: \"last\") }"}]""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(
            """[{"data":{"hello":"Hello, world!"}},{"errors":[{"message":"The \u0027query\u0027 parameter must be a string.","extensions":{"code":"INVALID_REQUEST","codes":["INVALID_REQUEST"]}}]},{"errors":[{"message":"Cannot query field \u0027nope\u0027 on type \u0027Query\u0027.","locations":[{"line":1,"column":3}],"extensions":{"code":"FIELDS_ON_CORRECT_TYPE","codes":["FIELDS_ON_CORRECT_TYPE"],"number":"5.3.1"}}]},{"errors":[{"message":"Each GraphQL request must be a JSON object with a \u0027query\u0027 member.","extensions":{"code":"INVALID_REQUEST","codes":["INVALID_REQUEST"]}}]},{"data":{"hello":"Hello, last!"}}]""",
            answer.Body);
    }

    [Fact]
    public async Task Each_entry_of_a_batch_gets_its_own_user_context()
    {
        var answer = await _client.PostJsonAsync("""[{"query":"{ caller }"},{"query":"{ caller }"}]""", GraphQLResponseJson, ("X-Caller", "svc"));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Matches("""^\[\{"data":\{"caller":"svc#(\d+)"\}\},\{"data":\{"caller":"svc#(\d+)"\}\}\]$""", answer.Body);
        var calls = System.Text.RegularExpressions.Regex.Matches(answer.Body, """#(\d+)""").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(calls[0] + 1, calls[1]);
    }

    [Fact]
    public async Task A_batch_of_exactly_the_limit_runs()
    {
        var batch = "[" + string.Join(",", Enumerable.Repeat("""{"query":"{ hello }"}""", 10)) + "]";

        var answer = await _client.PostJsonAsync(batch);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("[" + string.Join(",", Enumerable.Repeat("""{"data":{"hello":"Hello, world!"}}""", 10)) + "]", answer.Body);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public async Task An_empty_or_oversized_batch_is_400_naming_the_limit(int size)
    {
        var batch = "[" + string.Join(",", Enumerable.Repeat("""{"query":"mutation { bump }"}""", size)) + "]";
        var before = fixture.Host.Probe.Bumps;

        var answer = await _client.PostJsonAsync(batch, Json);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal($$$"""{"errors":[{"message":"A batch must contain between 1 and 10 operations; this one has {{{size}}}.","extensions":{"code":"INVALID_BATCH","codes":["INVALID_BATCH"]}}]}""", answer.Body);
        Assert.Equal(before, fixture.Host.Probe.Bumps);
    }
}

public sealed class BatchOptionsTests
{
    [Fact]
    public async Task Batching_can_be_switched_off()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("EnableBatching", "false"));

        var answer = await host.Client.PostJsonAsync("""[{"query":"{ hello }"}]""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("""{"errors":[{"message":"Batched requests are not enabled on this endpoint; send one JSON object.","extensions":{"code":"INVALID_BATCH","codes":["INVALID_BATCH"]}}]}""", answer.Body);
    }

    [Fact]
    public async Task The_batch_limit_comes_from_configuration()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("MaxBatchSize", "2"));

        var answer = await host.Client.PostJsonAsync("""[{"query":"{ hello }"},{"query":"{ hello }"},{"query":"{ hello }"}]""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("""{"errors":[{"message":"A batch must contain between 1 and 2 operations; this one has 3.","extensions":{"code":"INVALID_BATCH","codes":["INVALID_BATCH"]}}]}""", answer.Body);
    }
}
