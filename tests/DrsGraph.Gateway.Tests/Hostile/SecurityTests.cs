using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>Introspection switch, CORS allow-list, per-caller rate limit, security headers, token redaction.</summary>
public sealed class SecurityTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    private const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    [Fact]
    public async Task Introspection_is_on_by_default_for_the_ide()
    {
        var answer = await fixture.Rig.QueryAsync("{ __schema { queryType { name } } }");

        answer.AssertNoErrors();
        Assert.Equal("Query", answer.Data!["__schema"]!["queryType"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_type_name_no_type_has_is_null_the_empty_one_included()
    {
        // The empty name threw from GraphQL.NET's lookup: a resolver error, and an Error log line with a stack trace per alias.
        var answer = await fixture.Rig.QueryAsync("{ empty: __type(name: \"\") { name } job: __type(name: \"Job\") { name } none: __type(name: \"Nope\") { name } }");

        answer.AssertNoErrors();
        Assert.Null(answer.Data!["empty"]);
        Assert.Null(answer.Data!["none"]);
        Assert.Equal("Job", answer.Data!["job"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Introspection_can_be_switched_off_for_production_while_typename_keeps_working()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(null, ("Gateway:Security:EnableIntrospection", "false")));

        var schema = await rig.QueryAsync("{ __schema { queryType { name } } }");
        var type = await rig.QueryAsync("{ __type(name: \"Job\") { name } }");
        var typename = await rig.QueryAsync($"{{ __typename job(id: \"{JobId}\") {{ __typename status }} }}");

        Assert.Equal(HttpStatusCode.BadRequest, schema.Status);
        Assert.Contains("introspection", schema.Errors.Single()!["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.BadRequest, type.Status);
        typename.AssertNoErrors();
        Assert.Equal("Job", typename.Data!["job"]!["__typename"]!.GetValue<string>());
    }

    /// <remarks>
    /// The SDL at ?sdl followed only GraphQL:Http:EnableSdl: with README's production settings (introspection off),
    /// __schema was refused while GET /graphql?sdl still answered 200 with the whole schema.
    /// </remarks>
    [Fact]
    public async Task With_introspection_switched_off_the_sdl_is_not_served_either()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null, ("Gateway:Security:EnableIntrospection", "false"), ("GraphQL:Http:EnableIde", "false")));
        using var sdlWhenOn = await fixture.Rig.Client.GetAsync("/graphql?sdl");

        using var sdl = await rig.Client.GetAsync("/graphql?sdl");

        Assert.Equal(HttpStatusCode.OK, sdlWhenOn.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, sdl.StatusCode);
        Assert.DoesNotContain("type Query", await sdl.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_allowed_origins_no_cors_headers_are_sent()
    {
        using var request = Post("https://evil.example");
        using var preflight = Preflight("https://evil.example");

        using var response = await fixture.Rig.Client.SendAsync(request);
        using var preflightResponse = await fixture.Rig.Client.SendAsync(preflight);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(preflightResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task An_allowed_origin_gets_cors_headers_and_its_preflight_names_the_caller_headers_while_others_get_none()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(null, ("Gateway:Security:Cors:AllowedOrigins:0", "https://app.example.com")));

        using var preflight = await rig.Client.SendAsync(Preflight("https://app.example.com"));
        using var allowed = await rig.Client.SendAsync(Post("https://app.example.com"));
        using var other = await rig.Client.SendAsync(Post("https://evil.example"));

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal("https://app.example.com", preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var headers = string.Join(",", preflight.Headers.GetValues("Access-Control-Allow-Headers")).ToUpperInvariant();
        // Authorization (a service identity's bearer token) and Apollo's preflight headers were missing: the browser never sent those requests.
        foreach (var header in new[] { "X-AUTH-TOKEN", "X-PROJECT-ID", "X-LANGUAGE", "CONTENT-TYPE", "GRAPHQL-REQUIRE-PREFLIGHT", "AUTHORIZATION", "APOLLO-REQUIRE-PREFLIGHT", "X-APOLLO-OPERATION-NAME" })
        {
            Assert.Contains(header, headers, StringComparison.Ordinal);
        }

        Assert.Equal("https://app.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Retry-After", string.Join(",", allowed.Headers.GetValues("Access-Control-Expose-Headers")), StringComparison.OrdinalIgnoreCase);
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task An_allowed_origin_may_use_single_connection_sse_while_others_may_not(string method)
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(null, ("Gateway:Security:Cors:AllowedOrigins:0", "https://app.example.com")));

        using var allowed = await rig.Client.SendAsync(StreamPreflight("https://app.example.com", method));
        using var other = await rig.Client.SendAsync(StreamPreflight("https://evil.example", method));

        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Contains(method, string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        Assert.Contains("X-GRAPHQL-EVENT-STREAM-TOKEN", string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Headers")).ToUpperInvariant(), StringComparison.Ordinal);
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Methods"));

        static HttpRequestMessage StreamPreflight(string origin, string method)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "/graphql");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", method);
            request.Headers.Add("Access-Control-Request-Headers", "x-auth-token,x-graphql-event-stream-token");
            return request;
        }
    }

    [Theory]
    [InlineData("Gateway:Security:Cors:AllowedOrigins:0", "https://app.example.com/path", "is not an origin")]
    [InlineData("Gateway:Security:RateLimit:BurstLimit", "0", "BurstLimit")]
    [InlineData("Gateway:RequestTimeout", "00:00:00", "RequestTimeout")]
    [InlineData("Gateway:Limits:MaxFieldNodes", "1", "MaxFieldNodes")]
    public void A_bad_security_setting_stops_the_gateway_at_start(string key, string value, string named)
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayRig.StartAgainstClosedPort(GatewayRig.With(null, (key, value))));

        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_over_its_rate_gets_429_with_retry_after_and_a_graphql_error_while_others_go_on()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null,
            ("Gateway:Security:RateLimit:BurstLimit", "3"),
            ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
            ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:00:30")));
        const string Query = "{ __typename }";

        var allowed = new List<GraphQLAnswer>();
        for (var i = 0; i < 3; i++)
        {
            allowed.Add(await rig.QueryAsync(Query, token: "caller-a"));
        }

        var refused = await rig.QueryAsync(Query, token: "caller-a");
        var other = await rig.QueryAsync(Query, token: "caller-b");
        using var ideAsset = await rig.Client.GetAsync("/graphql/bcp-config.json");

        Assert.All(allowed, a => a.AssertNoErrors());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.NotNull(refused.RetryAfter);
        Assert.InRange(refused.RetryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        var error = refused.Errors.Single()!;
        Assert.Equal("RATE_LIMITED", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Contains("Too many requests", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        other.AssertNoErrors();
        // Only /graphql itself is limited, not the IDE's files under it.
        Assert.NotEqual(HttpStatusCode.TooManyRequests, ideAsset.StatusCode);
    }

    [Fact]
    public async Task Callers_without_a_token_are_limited_by_ip_address()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null,
            ("Gateway:Security:RateLimit:BurstLimit", "2"),
            ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
            ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:00:30")));

        var answers = new List<GraphQLAnswer>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await rig.QueryAsync("{ __typename }", token: null));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers.Select(a => a.Status));
    }

    [Fact]
    public async Task Every_response_says_nosniff()
    {
        var client = fixture.Rig.Client;
        using var ok = await client.PostAsJsonAsync("/graphql", new { query = "{ __typename }" });
        using var unsupported = await client.PostAsync("/graphql", new StringContent("x", System.Text.Encoding.UTF8, "text/plain"));
        using var notFound = await client.GetAsync("/no-such-path");
        using var sdl = await client.GetAsync("/graphql?sdl");
        using var method = await client.DeleteAsync("/graphql");

        foreach (var response in new[] { ok, unsupported, notFound, sdl, method })
        {
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var values), $"{response.RequestMessage!.RequestUri} {(int)response.StatusCode}");
            Assert.Equal("nosniff", values.Single());
        }
    }

    [Fact]
    public async Task The_ide_page_is_served_with_strict_security_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/graphql");
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await fixture.Rig.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src", csp, StringComparison.Ordinal);
        // Scripts only from us; 'unsafe-eval' is the one concession BCP needs (its ajv compiles schemas with new Function).
        Assert.Contains("script-src 'self' 'unsafe-eval';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("'unsafe-inline'; style-src", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_distinctive_token_never_appears_in_logs_traces_or_answers_whatever_fails()
    {
        const string Secret = "SeCrEt-7f3a9c1e-TOKEN-do-not-log";
        var activities = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => activities.Enqueue(
                $"{activity.Source.Name} {activity.DisplayName} {string.Join(",", activity.TagObjects.Select(t => $"{t.Key}={t.Value}"))} {string.Join(",", activity.Baggage)} {string.Join(",", activity.Events.Select(e => e.Name + string.Join(",", e.Tags)))}"),
        };
        ActivitySource.AddActivityListener(listener);
        // The emulator knows Secret; Unknown is a token DRS itself rejects (401 APIGW.0301).
        const string Unknown = "UnKnOwN-0b5d2e88-TOKEN-do-not-log";
        await using var rig = await GatewayRig.StartAsync(
            GatewayRig.With(GatewayRig.FastFaults, ("Gateway:RequestTimeout", "00:00:01"), ("Gateway:Security:RateLimit:BurstLimit", "8"), ("Gateway:Security:RateLimit:TokensPerPeriod", "1"), ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:01:00")),
            new Dictionary<string, string?> { [$"Emulator:Tenants:{Secret}:0"] = "054ba152d480d55b2f5dc0069e7ddef0" });
        var query = $"{{ job(id: \"{JobId}\") {{ status progress {{ percent }} detail {{ name }} }} }}";
        var answers = new List<GraphQLAnswer> { await rig.QueryAsync(query, token: Secret), await rig.QueryAsync(query, token: Unknown) };
        await rig.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 500 });
        answers.Add(await rig.QueryAsync(query, token: Secret));
        await rig.SetFaultsAsync(new { throttleRate = 1.0, retryAfterSeconds = 0 });
        answers.Add(await rig.QueryAsync(query, token: Secret));
        await rig.SetFaultsAsync(new { hangRate = 1.0 });
        answers.Add(await rig.QueryAsync(query, token: Secret));
        await rig.ClearFaultsAsync();
        answers.Add(await rig.QueryAsync(query, token: Secret + " with a space"));
        answers.Add(await rig.QueryAsync("{ job(id: ) }", token: Secret));
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await rig.QueryAsync(query, token: Secret));
        }

        // Every kind of failure happened, so the assertions below cover their log paths.
        answers[0].AssertNoErrors();
        var codes = answers.SelectMany(a => a.Codes).ToHashSet();
        Assert.Contains("APIGW.0301", codes);
        Assert.Contains("UPSTREAM_UNAVAILABLE", codes);
        Assert.Contains("UPSTREAM_THROTTLED", codes);
        Assert.Contains("UPSTREAM_TIMEOUT", codes);
        Assert.Contains("UNAUTHENTICATED", codes);
        Assert.Contains("RATE_LIMITED", codes);
        Assert.True(rig.Logs.Entries.Count > 20, "the capture saw too little to mean anything");
        foreach (var token in new[] { Secret, Unknown })
        {
            Assert.DoesNotContain(token, rig.Logs.All, StringComparison.Ordinal);
            Assert.All(answers, a => Assert.DoesNotContain(token, a.Raw, StringComparison.Ordinal));
            Assert.All(activities, a => Assert.DoesNotContain(token, a, StringComparison.Ordinal));
        }

        Assert.NotEmpty(activities);
    }

    private static HttpRequestMessage Post(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query = "{ __typename }" }) };
        request.Headers.Add("Origin", origin);
        request.Headers.Add("GraphQL-Require-Preflight", "1");
        return request;
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/graphql");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-auth-token,x-project-id,x-language,graphql-require-preflight,authorization,apollo-require-preflight,x-apollo-operation-name");
        return request;
    }
}
