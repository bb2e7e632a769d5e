using System.Net;
using System.Text.RegularExpressions;
using static DrsGraph.Gateway.Tests.GraphQLHttp.GraphQLHttpClientExtensions;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

public sealed partial class IdeAndSdlTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    /// <summary>What Chrome sends when navigating to a page.</summary>
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

    private readonly HttpClient _client = fixture.Host.Client;

    [Fact]
    public async Task A_browser_navigating_to_the_endpoint_gets_the_ide_page_with_its_security_headers()
    {
        var answer = await _client.GetWithAsync("/graphql", BrowserAccept, ("Sec-Fetch-Site", "none"));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("text/html; charset=utf-8", answer.ContentType);
        Assert.StartsWith("""<!doctype html><html lang="en"><head><base href="/graphql/"/><meta charset="utf-8"/>""", answer.Body, StringComparison.Ordinal);
        Assert.Contains("<title>Banana Cake Pop</title>", answer.Body, StringComparison.Ordinal);
        Assert.Equal("nosniff", answer.Header("X-Content-Type-Options"));
        Assert.Equal("DENY", answer.Header("X-Frame-Options"));
        Assert.Equal("no-referrer", answer.Header("Referrer-Policy"));
        Assert.Equal(
            "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; font-src 'self' data:; "
            + "worker-src 'self' blob:; connect-src 'self' https://*.chillicream.com https://tunnel.bananacakepop.com; manifest-src 'self'; "
            + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
            answer.Header("Content-Security-Policy"));
    }

    [Fact]
    public async Task The_ide_is_configured_to_use_the_endpoint_it_was_opened_from()
    {
        var answer = await _client.GetWithAsync("/graphql/bcp-config.json", "*/*");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/json; charset=utf-8", answer.ContentType);
        Assert.Equal("""{"useBrowserUrlAsEndpoint":true,"endpoint":"/graphql","title":"DrsGraph","includeCookies":false,"disableTelemetry":true}""", answer.Body);
    }

    [Fact]
    public async Task Every_script_and_stylesheet_the_ide_page_references_is_served_below_the_endpoint()
    {
        var page = await _client.GetWithAsync("/graphql", BrowserAccept);
        var assets = AssetReference().Matches(page.Body).Select(m => m.Groups["path"].Value).ToArray();

        Assert.NotEmpty(assets);
        foreach (var asset in assets)
        {
            var answer = await _client.GetWithAsync("/graphql/" + asset.TrimStart('.', '/'), "*/*");
            Assert.True(answer.Status == HttpStatusCode.OK, $"{asset}: {answer.Status}");
            Assert.Matches("^(text/javascript|text/css|image/|application/manifest)", answer.ContentType);
            Assert.Equal("nosniff", answer.Header("X-Content-Type-Options"));
        }
    }

    [Fact]
    public async Task The_ide_also_opens_at_the_trailing_slash_url_and_that_url_executes_posts()
    {
        var page = await _client.GetWithAsync("/graphql/", BrowserAccept);
        using var post = new HttpRequestMessage(HttpMethod.Post, "/graphql/") { Content = new StringContent("""{"query":"{ hello }"}""", System.Text.Encoding.UTF8, Json) };
        var answer = await _client.SendWithAsync(post, GraphQLResponseJson);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("""<base href="/graphql/"/>""", page.Body, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, """{"data":{"hello":"Hello, world!"}}"""), (answer.Status, answer.Body));
    }

    [Fact]
    public async Task A_path_outside_the_ide_folder_is_not_served()
    {
        var answer = await _client.GetWithAsync("/graphql/..%2F..%2FDrsGraph.Gateway.dll", "*/*");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
    }

    [Fact]
    public void The_build_puts_the_ide_and_its_license_in_the_output_folder()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot", "bcp");

        Assert.True(File.Exists(Path.Combine(root, "index.html")));
        Assert.Contains("ChilliCream", File.ReadAllText(Path.Combine(root, "LICENSE")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, "package.json")));
    }

    [Fact]
    public async Task A_get_with_a_query_from_a_browser_runs_the_query_instead_of_serving_the_ide()
    {
        var answer = await _client.GetWithAsync($"/graphql?query={Query("{ hello }")}", BrowserAccept);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/json; charset=utf-8", answer.ContentType);
        Assert.Equal("""{"data":{"hello":"Hello, world!"}}""", answer.Body);
    }

    [Fact]
    public async Task The_sdl_is_served_as_plain_text()
    {
        var answer = await _client.GetWithAsync("/graphql?sdl", accept: null);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("text/plain; charset=utf-8", answer.ContentType);
        Assert.Equal(
            """
            type Query {
              hello(name: String): String
              boom: String
              slow: String
              caller: String
            }

            type Mutation {
              bump: Int
            }

            type Subscription {
              ticks(count: Int!, intervalMs: Int = 10): Int!
              padded(count: Int!, intervalMs: Int = 10, padding: Int!): String!
              forever: Int!
              broken: Int!
            }

            """.ReplaceLineEndings("\n"),
            answer.Body);
    }

    [GeneratedRegex(""""(?:src|href)="(?<path>(?:\./)?(?:static/[^"]+|favicon\.[a-z]+|manifest\.webmanifest))"""")]
    private static partial Regex AssetReference();
}

public sealed class IdeAndSdlOptionsTests
{
    [Fact]
    public async Task Without_the_ide_a_browser_gets_the_missing_query_error_and_no_assets()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("EnableIde", "false"));

        var page = await host.Client.GetWithAsync("/graphql", "text/html,*/*;q=0.8");
        var config = await host.Client.GetWithAsync("/graphql/bcp-config.json", "*/*");

        Assert.Equal((HttpStatusCode.BadRequest, """{"errors":[{"message":"The \u0027query\u0027 parameter is required.","extensions":{"code":"INVALID_REQUEST","codes":["INVALID_REQUEST"]}}]}"""), (page.Status, page.Body));
        Assert.Equal(HttpStatusCode.NotFound, config.Status);
    }

    [Fact]
    public async Task Without_the_sdl_option_the_sdl_is_not_found()
    {
        await using var host = await GraphQLHttpTestHost.StartAsync(("EnableSdl", "false"));

        var answer = await host.Client.GetWithAsync("/graphql?sdl", accept: null);

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
    }
}
