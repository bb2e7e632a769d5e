using System.Net;
using System.Text;
using static DrsGraph.Gateway.Tests.GraphQLHttp.GraphQLHttpClientExtensions;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

public sealed class CsrfTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private const string Refusal =
        """{"errors":[{"message":"This request was refused as a possible cross-site request forgery: a cross-site GET or a POST with a simple content type must carry a non-empty \u0027GraphQL-Require-Preflight\u0027 header."}]}""";

    private readonly HttpClient _client = fixture.Host.Client;

    private string OwnOrigin => fixture.Host.BaseAddress.GetLeftPart(UriPartial.Authority);

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "null")]
    public async Task A_cross_site_get_without_a_preflight_header_is_refused_with_400(string header, string value)
    {
        var answer = await _client.GetWithAsync($"/graphql?query={Query("{ hello }")}", GraphQLResponseJson, (header, value));

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(Refusal, answer.Body);
    }

    [Fact]
    public async Task A_cross_site_post_with_a_simple_content_type_is_refused_before_its_content_type_is_judged()
    {
        var before = fixture.Host.Probe.Bumps;

        var answer = await _client.PostRawAsync(Encoding.UTF8.GetBytes("""{"query":"mutation { bump }"}"""), "text/plain", Json, ("Sec-Fetch-Site", "cross-site"), ("Origin", "https://evil.example"));

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(Refusal, answer.Body);
        Assert.Equal(before, fixture.Host.Probe.Bumps);
    }

    [Theory]
    [InlineData("GraphQL-Require-Preflight", "1")]
    [InlineData("Apollo-Require-Preflight", "true")]
    [InlineData("X-Apollo-Operation-Name", "Hello")]
    public async Task A_cross_site_get_with_a_preflight_header_runs(string header, string value)
    {
        var answer = await _client.GetWithAsync($"/graphql?query={Query("{ hello }")}", GraphQLResponseJson, ("Sec-Fetch-Site", "cross-site"), (header, value));

        Assert.Equal((HttpStatusCode.OK, """{"data":{"hello":"Hello, world!"}}"""), (answer.Status, answer.Body));
    }

    [Fact]
    public async Task A_same_origin_browser_get_runs()
    {
        var answer = await _client.GetWithAsync($"/graphql?query={Query("{ hello }")}", GraphQLResponseJson, ("Sec-Fetch-Site", "same-origin"), ("Origin", OwnOrigin));

        Assert.Equal((HttpStatusCode.OK, """{"data":{"hello":"Hello, world!"}}"""), (answer.Status, answer.Body));
    }

    [Fact]
    public async Task Sec_fetch_site_same_origin_wins_over_an_origin_rewritten_by_a_proxy()
    {
        var answer = await _client.GetWithAsync($"/graphql?query={Query("{ hello }")}", GraphQLResponseJson, ("Sec-Fetch-Site", "same-origin"), ("Origin", "https://gateway.example"));

        Assert.Equal((HttpStatusCode.OK, """{"data":{"hello":"Hello, world!"}}"""), (answer.Status, answer.Body));
    }

    [Fact]
    public async Task A_cross_site_json_post_runs_because_browsers_preflight_it()
    {
        var answer = await _client.PostJsonAsync("""{"query":"{ hello }"}""", GraphQLResponseJson, ("Sec-Fetch-Site", "cross-site"), ("Origin", "https://app.example"));

        Assert.Equal((HttpStatusCode.OK, """{"data":{"hello":"Hello, world!"}}"""), (answer.Status, answer.Body));
    }

    [Fact]
    public async Task A_client_that_is_not_a_browser_is_unaffected()
    {
        var answer = await _client.GetWithAsync($"/graphql?query={Query("{ hello }")}", accept: null);

        Assert.Equal((HttpStatusCode.OK, """{"data":{"hello":"Hello, world!"}}"""), (answer.Status, answer.Body));
    }
}

public sealed class CsrfOptionsTests
{
    [Fact]
    public async Task Csrf_protection_can_be_switched_off()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("CsrfProtection", "false"));

        var answer = await host.Client.GetWithAsync($"/graphql?query={Query("{ hello }")}", GraphQLResponseJson, ("Sec-Fetch-Site", "cross-site"));

        Assert.Equal((HttpStatusCode.OK, """{"data":{"hello":"Hello, world!"}}"""), (answer.Status, answer.Body));
    }
}
