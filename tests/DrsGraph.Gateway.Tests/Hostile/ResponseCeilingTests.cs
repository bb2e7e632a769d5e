using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>Whatever the estimate misses, an answer past GraphQL:Http:MaxResponseBytes is one clear error, never half-written.</summary>
public sealed class ResponseCeilingTests : IAsyncLifetime
{
    private GatewayRig _rig = null!;

    public async Task InitializeAsync() => _rig = await GatewayRig.StartAsync(GatewayRig.With(
        null, ("Gateway:Security:RateLimit:Enabled", "false"), ("GraphQL:Http:MaxResponseBytes", "4096")));

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Theory]
    [InlineData("application/graphql-response+json", HttpStatusCode.BadRequest)]
    [InlineData("application/json", HttpStatusCode.OK)]
    public async Task An_answer_past_the_byte_ceiling_is_a_RESPONSE_TOO_LARGE_error(string accept, HttpStatusCode status)
    {
        // The IDE's introspection is about 50 KB; the ceiling here is 4 KB.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query = Amplifiers.IdeIntrospectionQuery }) };
        request.Headers.Accept.ParseAdd(accept);
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);

        var answer = await _rig.SendAsync(request);

        Assert.Equal(status, answer.Status);
        Assert.IsType<JsonObject>(answer.Json);
        Assert.Equal("RESPONSE_TOO_LARGE", Assert.Single(answer.Codes));
        Assert.Contains("4096-byte ceiling", answer.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(answer.Data);
        _rig.Logs.AssertNone("Unhandled exception");
        (await _rig.QueryAsync("{ __schema { queryType { name } } }")).AssertNoErrors();
    }

    [Fact]
    public async Task A_batch_past_the_byte_ceiling_keeps_its_shape_with_one_error_per_operation()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = JsonContent.Create(new[] { new { query = "{ __typename }" }, new { query = Amplifiers.IdeIntrospectionQuery } }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/graphql-response+json"));
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);

        var answer = await _rig.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var entries = answer.Json!.AsArray();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal("RESPONSE_TOO_LARGE", e!["errors"]![0]!["extensions"]!["code"]!.GetValue<string>()));
    }
}
