using System.Net;
using System.Text;
using DrsGraph.Gateway.GraphQLHttp;
using GraphQL;
using Microsoft.Extensions.Options;
using static DrsGraph.Gateway.Tests.GraphQLHttp.GraphQLHttpClientExtensions;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

public sealed class ExecutionTests
{
    [Fact]
    public async Task A_client_that_disconnects_cancels_the_running_execution()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();
        using var disconnect = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent("""{"query":"{ slow }"}""", Encoding.UTF8, Json),
        };

        var call = host.Client.SendAsync(request, disconnect.Token);
        await host.Probe.SlowStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await disconnect.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        // Generous bound: the resolver only finishes through cancellation, so this cannot pass by luck.
        await host.Probe.SlowCancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(host.Probe.SlowCancelled.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_is_not_executed()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("MaxRequestBodyBytes", "1024"));
        var padding = new string(' ', 1024);

        var answer = await host.Client.PostJsonAsync($$"""{"query":"mutation { bump }"{{padding}}}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Equal("""{"errors":[{"message":"The request body is larger than the 1024-byte limit.","extensions":{"code":"REQUEST_TOO_LARGE","codes":["REQUEST_TOO_LARGE"]}}]}""", answer.Body);
        Assert.Equal(0, host.Probe.Bumps);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413_too()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("MaxRequestBodyBytes", "1024"));
        var json = $$"""{"query":"{ hello }"{{new string(' ', 4096)}}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(json))),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", Json);

        var answer = await host.Client.SendWithAsync(request, GraphQLResponseJson);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Equal("""{"errors":[{"message":"The request body is larger than the 1024-byte limit.","extensions":{"code":"REQUEST_TOO_LARGE","codes":["REQUEST_TOO_LARGE"]}}]}""", answer.Body);
    }

    [Fact]
    public async Task A_body_at_the_limit_runs()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("MaxRequestBodyBytes", "1024"));
        var json = """{"query":"{ hello }"}""";
        json = json[..^1] + new string(' ', 1024 - json.Length) + "}";

        var answer = await host.Client.PostJsonAsync(json);

        Assert.Equal((HttpStatusCode.OK, """{"data":{"hello":"Hello, world!"}}"""), (answer.Status, answer.Body));
    }

    [Fact]
    public async Task Exception_details_reach_the_client_only_when_exposed()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("ExposeExceptionDetails", "true"));

        var answer = await host.Client.PostJsonAsync("""{"query":"{ hello }"}""", GraphQLResponseJson, ("X-Fail", "1"));

        Assert.Equal(HttpStatusCode.InternalServerError, answer.Status);
        Assert.Equal(
            """{"errors":[{"message":"The request could not be executed: InvalidOperationException: user context store is down: secret internal detail","extensions":{"code":"INTERNAL_ERROR","codes":["INTERNAL_ERROR"]}}]}""",
            answer.Body);
    }

    [Fact]
    public async Task The_user_context_builder_feeds_the_resolvers()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync();

        var answer = await host.Client.PostJsonAsync("""{"query":"{ caller }"}""", GraphQLResponseJson, ("X-Caller", "ops"));

        Assert.Equal((HttpStatusCode.OK, """{"data":{"caller":"ops#1"}}"""), (answer.Status, answer.Body));
    }

    [Theory]
    [InlineData("MaxBatchSize", "0")]
    [InlineData("MaxRequestBodyBytes", "10")]
    public async Task Invalid_options_stop_the_host_at_start(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GraphQLHttpTestHost.StartAsync((key, value)));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(GraphQLHttpOptions), error.OptionsType);
    }

    /// <summary>A stream whose length HttpClient cannot know, so it sends the body chunked.</summary>
    private sealed class UnknownLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}

public sealed class GraphQLConfigurationTests
{
    [Fact]
    public async Task Validation_rules_added_with_add_graphql_apply_to_get_and_post()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(graphQL => graphQL.AddValidationRule<GraphQL.Validation.Rules.Custom.NoIntrospectionValidationRule>());
        const string Introspection = "{ __schema { queryType { name } } }";

        var get = await host.Client.GetWithAsync($"/graphql?query={Query(Introspection)}");
        var post = await host.Client.PostJsonAsync($$"""{"query":"{{Introspection}}"}""");
        var plain = await host.Client.GetWithAsync($"/graphql?query={Query("{ hello }")}");

        const string Refused = """{"errors":[{"message":"Introspection queries are not allowed.","locations":[{"line":1,"column":3}],"extensions":{"code":"NO_INTROSPECTION","codes":["NO_INTROSPECTION"]}}]}""";
        Assert.Equal((HttpStatusCode.BadRequest, Refused), (get.Status, get.Body));
        Assert.Equal((HttpStatusCode.BadRequest, Refused), (post.Status, post.Body));
        Assert.Equal((HttpStatusCode.OK, """{"data":{"hello":"Hello, world!"}}"""), (plain.Status, plain.Body));
    }

    [Fact]
    public async Task A_get_mutation_is_still_405_when_add_graphql_adds_its_own_rules()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(graphQL => graphQL.AddValidationRule<GraphQL.Validation.Rules.Custom.NoIntrospectionValidationRule>());

        var answer = await host.Client.GetWithAsync($"/graphql?query={Query("mutation { bump }")}");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, answer.Status);
        Assert.Equal(0, host.Probe.Bumps);
    }
}
