using System.Net;
using System.Text;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

/// <summary>A gateway whose log lines are captured, with a small body limit so a 413 is cheap to provoke.</summary>
public sealed class RefusalLogFixture : IAsyncLifetime
{
    public GatewayHost Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await GatewayHost.Builder().WithEmulator().CaptureLogs()
            .WithSetting("GraphQL:Http:MaxRequestBodyBytes", "2048")
            .WithSetting("Gateway:Security:RateLimit:Enabled", "false")
            .StartAsync();

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}

/// <summary>
/// Every fault the endpoint handles leaves exactly one Information line naming why (its code or reason), and
/// never the caller's token or the whole query: a refusal nobody can see in the logs cannot be diagnosed.
/// </summary>
public sealed class RefusalLogTests(RefusalLogFixture fixture) : IClassFixture<RefusalLogFixture>
{
    private const string Secret = "refusal-log-secret-token";
    private const string QueryMarker = "secretFieldNameThatMustNotBeLogged";

    public static TheoryData<string, string, string?, string?, string, HttpStatusCode, string> Refusals => new()
    {
        // name, method, content type, body (or GET query string), accept, status, what the line must name
        { "syntax error", "POST", "application/json", $$"""{"query":"{ {{QueryMarker}}( "}""", "application/graphql-response+json", HttpStatusCode.BadRequest, "SYNTAX_ERROR" },
        { "syntax error over GET", "GET", null, "?query=" + Uri.EscapeDataString($"{{ {QueryMarker}( "), "application/graphql-response+json", HttpStatusCode.BadRequest, "SYNTAX_ERROR" },
        { "invalid JSON", "POST", "application/json", $$"""{"query": "{{QueryMarker}}""", "application/graphql-response+json", HttpStatusCode.BadRequest, "INVALID_JSON" },
        { "unsupported content type", "POST", "application/xml", $"<q>{QueryMarker}</q>", "application/json", HttpStatusCode.UnsupportedMediaType, "415" },
        { "nothing acceptable", "POST", "application/json", """{"query":"{ __typename }"}""", "text/csv", HttpStatusCode.NotAcceptable, "406" },
        { "unsupported method", "PATCH", "application/json", """{"query":"{ __typename }"}""", "application/json", HttpStatusCode.MethodNotAllowed, "405" },
        { "mutation over GET", "GET", null, "?query=" + Uri.EscapeDataString("mutation { x }"), "application/json", HttpStatusCode.MethodNotAllowed, "HTTP_METHOD_NOT_ALLOWED" },
        { "body too large", "POST", "application/json", $$"""{"query":"{ {{new string('a', 3000)}} }"}""", "application/json", HttpStatusCode.RequestEntityTooLarge, "413" },
        { "empty body", "POST", "application/json", "", "application/json", HttpStatusCode.BadRequest, "empty" },
        { "empty batch", "POST", "application/json", "[]", "application/json", HttpStatusCode.BadRequest, "batch" },
        { "oversize batch", "POST", "application/json", "[" + string.Join(',', Enumerable.Repeat("""{"query":"{ __typename }"}""", 11)) + "]", "application/json", HttpStatusCode.BadRequest, "batch" },
        { "refused batch entry", "POST", "application/json", """[{"query":"{ __typename }"},{"variables":{}}]""", "application/json", HttpStatusCode.OK, "query" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_handled_fault_logs_one_information_line_with_its_reason_and_no_token_or_query(
        string name, string method, string? contentType, string? body, string accept, HttpStatusCode status, string reason)
    {
        var logs = fixture.Gateway.Logs;
        var before = logs.Entries.Count;
        using var request = method == "GET"
            ? new HttpRequestMessage(HttpMethod.Get, "/graphql" + body)
            : new HttpRequestMessage(new HttpMethod(method), "/graphql") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body ?? "")) };
        if (request.Content is not null && contentType is not null)
        {
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        request.Headers.TryAddWithoutValidation("Accept", accept);
        request.Headers.Add("X-Auth-Token", Secret);

        using var response = await fixture.Gateway.Client.SendAsync(request);

        Assert.True(response.StatusCode == status, $"{name}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var lines = logs.Entries.Skip(before)
            .Where(e => e.StartsWith("Information DrsGraph.", StringComparison.Ordinal) || e.StartsWith("Warning DrsGraph.", StringComparison.Ordinal) || e.StartsWith("Error DrsGraph.", StringComparison.Ordinal))
            .ToList();
        Assert.True(lines.Count == 1, string.Join("\n", logs.Entries.Skip(before)));
        var line = lines[0];
        Assert.StartsWith("Information ", line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Secret, logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(QueryMarker, line, StringComparison.Ordinal);
    }

    /// <summary>A header quoted in a refusal's line is the caller's text: a 30 KB Content-Type made a 30 KB line, and escape sequences in it reached the operator's terminal.</summary>
    [Fact]
    public async Task A_refused_content_type_is_logged_escaped_and_cut_short()
    {
        var logs = fixture.Gateway.Logs;
        var before = logs.Entries.Count;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new ByteArrayContent("{}"u8.ToArray()) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "text/\u001b[31mRED\u001b[0m" + new string('x', 30_000));

        using var response = await fixture.Gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var line = Assert.Single(logs.Entries.Skip(before), e => e.StartsWith("Information DrsGraph.", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', line);
        Assert.Contains(@"\u001B[31mRED", line, StringComparison.Ordinal);
        Assert.True(line.Length < 3000, $"{line.Length} characters");
    }
}
