using System.Net;
using System.Text;
using static DrsGraph.Gateway.Tests.GraphQLHttp.GraphQLHttpClientExtensions;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

public sealed class CsrfTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private const string Refusal =
        """{"errors":[{"message":"This request was refused as a possible cross-site request forgery: a cross-site GET or a POST with a simple content type must carry a header that needs a CORS preflight, such as a non-empty \u0027GraphQL-Require-Preflight\u0027.","extensions":{"code":"CROSS_SITE_REQUEST_REFUSED","codes":["CROSS_SITE_REQUEST_REFUSED"]}}]}""";

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

    /// <summary>
    /// A page cannot add these headers to a cross-site request without a CORS preflight, so the request is no
    /// forgery: Apollo Client's hashed GET (X-Auth-Token, Content-Type: application/json) must run.
    /// </summary>
    [Theory]
    [InlineData("X-Auth-Token", "a-token", null)]
    [InlineData("X-Project-Id", "p1", null)]
    [InlineData("Authorization", "Bearer eyJhbGciOi", null)]
    [InlineData(null, null, "application/json")]
    public async Task A_cross_site_get_with_a_header_that_needs_a_preflight_runs(string? header, string? value, string? contentType)
    {
        var answer = await CrossSiteGetAsync(header, value, contentType);

        Assert.Equal((HttpStatusCode.OK, """{"data":{"hello":"Hello, world!"}}"""), (answer.Status, answer.Body));
    }

    /// <summary>What a browser sends by itself (cached Basic credentials) or a safelisted Content-Type keeps a GET simple.</summary>
    [Theory]
    [InlineData("Authorization", "Basic dXNlcjpwYXNz", null)]
    [InlineData("X-Auth-Token", " ", null)]
    [InlineData(null, null, "text/plain")]
    [InlineData(null, null, "application/x-www-form-urlencoded")]
    public async Task A_cross_site_get_with_only_safelisted_or_browser_added_headers_is_still_refused(string? header, string? value, string? contentType)
    {
        var answer = await CrossSiteGetAsync(header, value, contentType);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(Refusal, answer.Body);
    }

    [Fact]
    public async Task A_cross_site_text_post_with_a_caller_header_runs_because_browsers_preflight_it()
    {
        var answer = await _client.PostRawAsync(Encoding.UTF8.GetBytes("""{"query":"{ hello }"}"""), "text/plain", Json, ("Sec-Fetch-Site", "cross-site"), ("X-Auth-Token", "a-token"));

        // Past the guard, the content type is judged: 415, not the CSRF refusal.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.Status);
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

    private Task<Answer> CrossSiteGetAsync(string? header, string? value, string? contentType)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/graphql?query={Query("{ hello }")}");
        if (contentType is not null)
        {
            request.Content = new ByteArrayContent([]);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        (string, string)[] headers = header is null
            ? [("Sec-Fetch-Site", "cross-site"), ("Origin", "https://app.example")]
            : [("Sec-Fetch-Site", "cross-site"), ("Origin", "https://app.example"), (header, value!)];
        return _client.SendWithAsync(request, GraphQLResponseJson, headers);
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
