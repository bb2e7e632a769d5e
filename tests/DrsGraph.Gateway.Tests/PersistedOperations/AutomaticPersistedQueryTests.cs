using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.GraphQLStreaming;
using DrsGraph.Gateway.Tests.Infrastructure;
using static DrsGraph.Gateway.Tests.PersistedOperations.PersistedOperationsFixture;

namespace DrsGraph.Gateway.Tests.PersistedOperations;

/// <summary>Apollo-style automatic persisted queries over real Kestrel: the hash flow on every transport, refusals, GET caching.</summary>
public sealed class AutomaticPersistedQueryTests(PersistedOperationsFixture fixture) : IClassFixture<PersistedOperationsFixture>
{
    [Fact]
    public async Task An_unknown_hash_is_not_found_then_the_text_registers_it_and_the_hash_alone_runs_it()
    {
        using var metrics = new PersistedMeterRecorder(fixture.Open.Services);
        var query = FreshQuery();
        var hash = Sha256(query);

        var miss = await PostAsync(fixture.Open, new { extensions = Extensions(hash) });
        Assert.Equal(HttpStatusCode.BadRequest, miss.Status);
        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], miss.Codes);
        // Exactly Apollo Server's message: urql's persisted exchange compares it, not the code, before sending the text.
        Assert.Equal("PersistedQueryNotFound", (string?)miss.Errors[0]!["message"]);
        Assert.Null(miss.Data);

        // An empty text beside the hash is no text (some clients send "query": ""): still a lookup, not a mismatch.
        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], (await PostAsync(fixture.Open, new { query = "", extensions = Extensions(hash) })).Codes);

        var registered = (await PostAsync(fixture.Open, new { query, extensions = Extensions(hash) })).AssertNoErrors();
        var hit = (await PostAsync(fixture.Open, new { extensions = Extensions(hash) })).AssertNoErrors();
        Assert.Equal(registered.Data!.ToJsonString(), (await PostAsync(fixture.Open, new { query = "", extensions = Extensions(hash) })).AssertNoErrors().Data!.ToJsonString());

        Assert.Equal(JobId, (string?)hit.Data!["job"]!["id"]);
        Assert.Equal(registered.Data!.ToJsonString(), hit.Data.ToJsonString());
        Assert.Equal(2, metrics.Total("drsgraph.persisted.misses"));
        Assert.Equal(1, metrics.Total("drsgraph.persisted.stored"));
        Assert.Equal(2, metrics.Total("drsgraph.persisted.hits", "memory"));
    }

    [Fact]
    public async Task A_text_whose_hash_differs_is_refused_and_not_registered()
    {
        using var metrics = new PersistedMeterRecorder(fixture.Open.Services);
        var query = FreshQuery();
        var claimed = Sha256(FreshQuery());

        var refused = await PostAsync(fixture.Open, new { query, extensions = Extensions(claimed) });
        var lookup = await PostAsync(fixture.Open, new { extensions = Extensions(claimed) });

        Assert.Equal(["PERSISTED_QUERY_HASH_MISMATCH"], refused.Codes);
        Assert.Null(refused.Data);
        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], lookup.Codes);
        Assert.Equal(0, metrics.Total("drsgraph.persisted.stored"));
        Assert.Equal(1, metrics.Total("drsgraph.persisted.refused", "PERSISTED_QUERY_HASH_MISMATCH"));
    }

    [Theory]
    [InlineData("""{"version":2,"sha256Hash":"HASH"}""")]
    [InlineData("""{"version":1,"sha256Hash":"not-a-hash"}""")]
    [InlineData("""{"version":1}""")]
    [InlineData("\"yes\"")]
    public async Task A_malformed_persisted_query_extension_is_refused(string extension)
    {
        var persistedQuery = extension.Replace("HASH", Sha256("{ __typename }"), StringComparison.Ordinal);
        var body = JsonNode.Parse("""{"extensions":{"persistedQuery":""" + persistedQuery + "}}")!;

        var answer = await PostAsync(fixture.Open, body);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(["PERSISTED_QUERY_INVALID"], answer.Codes);
    }

    [Fact]
    public async Task A_get_with_only_the_hash_runs_and_is_cacheable_privately_for_a_token_holder()
    {
        var query = FreshQuery();
        var hash = Sha256(query);
        (await PostAsync(fixture.Open, new { query, extensions = Extensions(hash) })).AssertNoErrors();

        using var response = await GetAsync(fixture.Open, hash, token: Token);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JobId, (string?)body["data"]!["job"]!["id"]);
        Assert.True(response.Headers.CacheControl is { Private: true, Public: false, MaxAge.TotalSeconds: 30 }, $"Cache-Control: {response.Headers.CacheControl}");
        Assert.Equal(["Accept", "X-Auth-Token", "X-Project-Id", "X-Language", "X-Drs-Region", "Authorization"], response.Headers.Vary);
    }

    [Fact]
    public async Task A_get_without_a_token_is_publicly_cacheable_and_a_failed_one_is_not_stored()
    {
        await using var gateway = fixture.Gateway()
            .WithSetting("Gateway:PersistedOperations:GetMaxAge", "00:00:10")
            .WithSetting("Gateway:Callers:DefaultAuthToken", Token)
            .Start();
        var query = FreshQuery();
        var hash = Sha256(query);
        (await PostAsync(gateway, new { query, extensions = Extensions(hash) })).AssertNoErrors();

        using var shared = await GetAsync(gateway, hash, token: null);
        using var unknown = await GetAsync(gateway, Sha256(FreshQuery()), token: null);

        Assert.Equal(HttpStatusCode.OK, shared.StatusCode);
        Assert.True(shared.Headers.CacheControl is { Public: true, Private: false, MaxAge.TotalSeconds: 10 }, $"Cache-Control: {shared.Headers.CacheControl}");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.True(unknown.Headers.CacheControl is { NoStore: true, Public: false, MaxAge: null }, $"Cache-Control: {unknown.Headers.CacheControl}");
    }

    /// <summary>
    /// The README's Apollo Client set-up from another origin, with the headers a browser sends on its hashed GETs
    /// (Apollo's Accept and Content-Type: application/json, the X-Auth-Token, the browser's Origin and
    /// Sec-Fetch-Site): those headers cost a CORS preflight, so the GETs are no forgery and run; their cacheable
    /// answers vary by Origin, as their CORS headers do.
    /// </summary>
    [Fact]
    public async Task The_readme_apollo_flow_from_another_origin_runs_and_its_cacheable_get_varies_by_origin()
    {
        const string App = "https://app.example";
        await using var gateway = fixture.Gateway()
            .WithSetting("Gateway:PersistedOperations:GetMaxAge", "00:00:30")
            .WithSetting("Gateway:Security:Cors:AllowedOrigins:0", App)
            .Start();
        var query = FreshQuery();
        var hash = Sha256(query);

        using var miss = await ApolloGetAsync(gateway, hash, App);
        var missBody = await miss.Content.ReadAsStringAsync();
        (await PostAsync(gateway, new { query, extensions = Extensions(hash) }, ("Origin", App), ("Sec-Fetch-Site", "cross-site"))).AssertNoErrors();
        using var hit = await ApolloGetAsync(gateway, hash, App);
        var hitBody = JsonNode.Parse(await hit.Content.ReadAsStringAsync())!;

        Assert.True(miss.StatusCode == HttpStatusCode.BadRequest, missBody);
        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], JsonNode.Parse(missBody)!["errors"]!.AsArray().Select(e => (string?)e!["extensions"]!["code"]));
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal(JobId, (string?)hitBody["data"]!["job"]!["id"]);
        Assert.Equal(App, hit.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.True(hit.Headers.CacheControl is { Private: true, MaxAge.TotalSeconds: 30 }, $"Cache-Control: {hit.Headers.CacheControl}");
        Assert.Equal(["Accept", "X-Auth-Token", "X-Project-Id", "X-Language", "X-Drs-Region", "Authorization", "Origin"], hit.Headers.Vary);
        Assert.Contains("Origin", miss.Headers.Vary);
    }

    [Fact]
    public async Task Without_get_max_age_get_answers_carry_no_cache_headers()
    {
        await using var gateway = fixture.Gateway().Start();
        var query = FreshQuery();
        var hash = Sha256(query);
        (await PostAsync(gateway, new { query, extensions = Extensions(hash) })).AssertNoErrors();

        using var response = await GetAsync(gateway, hash, token: Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.CacheControl);
        Assert.Empty(response.Headers.Vary);
    }

    [Fact]
    public async Task Each_entry_of_a_batch_is_resolved_on_its_own()
    {
        var query = FreshQuery();
        var hash = Sha256(query);
        object[] batch =
        [
            new { extensions = Extensions(hash) },
            new { query, extensions = Extensions(hash) },
            new { extensions = Extensions(hash) },
        ];

        var answer = await PostAsync(fixture.Open, batch);

        var results = answer.Json!.AsArray();
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("PERSISTED_QUERY_NOT_FOUND", (string?)results[0]!["errors"]![0]!["extensions"]!["code"]);
        Assert.Equal(JobId, (string?)results[1]!["data"]!["job"]!["id"]);
        Assert.Equal(results[1]!["data"]!.ToJsonString(), results[2]!["data"]!.ToJsonString());
    }

    [Fact]
    public async Task A_hash_registered_over_http_runs_over_server_sent_events_and_a_websocket()
    {
        var query = FreshQuery();
        var hash = Sha256(query);
        (await PostAsync(fixture.Open, new { query, extensions = Extensions(hash) })).AssertNoErrors();

        using var sse = await SseReader.PostAsync(fixture.Open.Client, JsonSerializer.Serialize(new { extensions = Extensions(hash) }), ("X-Auth-Token", Token));
        var sseNext = await sse.ReadEventAsync();
        Assert.Equal("next", sseNext.Event);
        Assert.Equal(JobId, (string?)JsonNode.Parse(sseNext.Data!)!["data"]!["job"]!["id"]);

        var address = new Uri($"ws://{fixture.Open.Client.BaseAddress!.Authority}/graphql");
        await using var socket = await GraphQLWsClient.ConnectAndInitAsync(address, new Dictionary<string, string> { ["X-Auth-Token"] = Token });
        await socket.SendAsync(new { id = "1", type = "subscribe", payload = new { extensions = Extensions(hash) } });
        var wsNext = await socket.ReceiveAsync();
        Assert.Equal("next", (string?)wsNext["type"]);
        Assert.Equal(JobId, (string?)wsNext["payload"]!["data"]!["job"]!["id"]);
        Assert.Equal("complete", (string?)(await socket.ReceiveAsync())["type"]);

        await socket.SendAsync(new { id = "2", type = "subscribe", payload = new { extensions = Extensions(Sha256(FreshQuery())) } });
        var wsMiss = await socket.ReceiveAsync();
        Assert.Contains("PERSISTED_QUERY_NOT_FOUND", wsMiss.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_text_longer_than_the_stored_limit_runs_but_is_not_kept()
    {
        await using var gateway = fixture.Gateway().WithSetting("Gateway:PersistedOperations:MaxStoredDocumentLength", "80").Start();
        var shortQuery = $"{{ job(id: \"{JobId}\") {{ id }} }}";
        var longQuery = FreshQuery() + new string(' ', 80);

        (await PostAsync(gateway, new { query = shortQuery, extensions = Extensions(Sha256(shortQuery)) })).AssertNoErrors();
        (await PostAsync(gateway, new { query = longQuery, extensions = Extensions(Sha256(longQuery)) })).AssertNoErrors();

        (await PostAsync(gateway, new { extensions = Extensions(Sha256(shortQuery)) })).AssertNoErrors();
        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], (await PostAsync(gateway, new { extensions = Extensions(Sha256(longQuery)) })).Codes);
    }

    [Fact]
    public async Task The_memory_store_keeps_the_most_recently_used_documents_within_its_bound()
    {
        await using var gateway = fixture.Gateway().WithSetting("Gateway:PersistedOperations:MaxMemoryEntries", "2").Start();
        var (a, b, c) = (FreshQuery(), FreshQuery(), FreshQuery());
        foreach (var query in new[] { a, b })
        {
            (await PostAsync(gateway, new { query, extensions = Extensions(Sha256(query)) })).AssertNoErrors();
        }

        (await PostAsync(gateway, new { extensions = Extensions(Sha256(a)) })).AssertNoErrors();
        (await PostAsync(gateway, new { query = c, extensions = Extensions(Sha256(c)) })).AssertNoErrors();

        (await PostAsync(gateway, new { extensions = Extensions(Sha256(a)) })).AssertNoErrors();
        (await PostAsync(gateway, new { extensions = Extensions(Sha256(c)) })).AssertNoErrors();
        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], (await PostAsync(gateway, new { extensions = Extensions(Sha256(b)) })).Codes);
    }

    [Theory]
    [InlineData("this is not graphql at all", "SYNTAX_ERROR")]
    [InlineData("{ noSuchField }", "FIELDS_ON_CORRECT_TYPE")]
    public async Task A_text_that_does_not_parse_or_validate_is_answered_but_not_registered(string text, string code)
    {
        using var metrics = new PersistedMeterRecorder(fixture.Open.Services);
        var query = $"# {Guid.NewGuid():N}\n{text}";

        var answered = await PostAsync(fixture.Open, new { query, extensions = Extensions(Sha256(query)) });
        var lookup = await PostAsync(fixture.Open, new { extensions = Extensions(Sha256(query)) });

        Assert.Contains(code, answered.Codes);
        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], lookup.Codes);
        Assert.Equal(0, metrics.Total("drsgraph.persisted.stored"));
    }

    [Fact]
    public async Task The_memory_store_keeps_its_documents_within_its_byte_budget()
    {
        // Three documents of 200 000 characters (400 KB each in memory) against a 1 MB budget: the oldest goes.
        await using var gateway = fixture.Gateway()
            .WithSetting("Gateway:PersistedOperations:MaxMemoryMegabytes", "1")
            .WithSetting("Gateway:PersistedOperations:MaxStoredDocumentLength", "300000")
            .Start();
        var (a, b, c) = (Padded(), Padded(), Padded());
        foreach (var query in new[] { a, b, c })
        {
            (await PostAsync(gateway, new { query, extensions = Extensions(Sha256(query)) })).AssertNoErrors();
        }

        (await PostAsync(gateway, new { extensions = Extensions(Sha256(b)) })).AssertNoErrors();
        (await PostAsync(gateway, new { extensions = Extensions(Sha256(c)) })).AssertNoErrors();
        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], (await PostAsync(gateway, new { extensions = Extensions(Sha256(a)) })).Codes);

        static string Padded() => $"# {new string('x', 200_000)}\n{FreshQuery()}";
    }

    [Fact]
    public async Task A_caller_past_its_registration_quota_still_runs_its_documents_but_registers_no_new_one()
    {
        // 3 KB an hour for a caller: three short documents (1 KB each, the least a document costs), then none.
        await using var gateway = fixture.Gateway()
            .WithSetting("Gateway:PersistedOperations:RegistrationKilobytesPerCallerPerHour", "3")
            .CaptureLogs()
            .Start();
        using var metrics = new PersistedMeterRecorder(gateway.Services);
        var (a, b, c, d) = (FreshQuery(), FreshQuery(), FreshQuery(), FreshQuery());
        foreach (var query in new[] { a, b, c, d })
        {
            (await PostAsync(gateway, new { query, extensions = Extensions(Sha256(query)) })).AssertNoErrors();
        }

        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], (await PostAsync(gateway, new { extensions = Extensions(Sha256(d)) })).Codes);
        foreach (var query in new[] { a, b, c })
        {
            (await PostAsync(gateway, new { extensions = Extensions(Sha256(query)) })).AssertNoErrors();
        }

        // A document the replica already holds costs nothing to send again; another caller has its own quota.
        (await PostAsync(gateway, new { query = a, extensions = Extensions(Sha256(a)) })).AssertNoErrors();
        var e = FreshTypenameQuery();
        (await PostAsync(gateway, new { query = e, extensions = Extensions(Sha256(e)) }, ("X-Auth-Token", "another-caller-token"))).AssertNoErrors();
        (await PostAsync(gateway, new { extensions = Extensions(Sha256(e)) })).AssertNoErrors();

        // a, b, c; a again (renewed); e for the other caller.
        Assert.Equal(5, metrics.Total("drsgraph.persisted.stored"));
        Assert.Equal(1, metrics.Total("drsgraph.persisted.not_stored", "quota"));
        Assert.Equal(1, gateway.Logs.Count("ran but was not registered: this caller registered 3 KB in the last hour (Gateway:PersistedOperations:RegistrationKilobytesPerCallerPerHour)"));
        gateway.Logs.AssertNone(Token);
    }

    [Fact]
    public async Task Callers_of_one_address_share_its_registration_quota_and_a_document_is_charged_by_its_size()
    {
        // The caller may register 8 KB an hour, the address 10 KB whatever the token: a 5 000-character document costs 5.
        await using var gateway = fixture.Gateway()
            .WithSetting("Gateway:PersistedOperations:RegistrationKilobytesPerCallerPerHour", "8")
            .WithSetting("Gateway:PersistedOperations:RegistrationKilobytesPerAddressPerHour", "10")
            .WithSetting("Gateway:PersistedOperations:MaxStoredDocumentLength", "10000")
            .CaptureLogs()
            .Start();
        using var metrics = new PersistedMeterRecorder(gateway.Services);
        var (a, b, c) = (Padded(), Padded(), Padded());

        (await PostAsync(gateway, new { query = a, extensions = Extensions(Sha256(a)) }, ("X-Auth-Token", "rotating-1"))).AssertNoErrors();
        (await PostAsync(gateway, new { query = b, extensions = Extensions(Sha256(b)) }, ("X-Auth-Token", "rotating-2"))).AssertNoErrors();
        (await PostAsync(gateway, new { query = c, extensions = Extensions(Sha256(c)) }, ("X-Auth-Token", "rotating-3"))).AssertNoErrors();

        (await PostAsync(gateway, new { extensions = Extensions(Sha256(a)) })).AssertNoErrors();
        (await PostAsync(gateway, new { extensions = Extensions(Sha256(b)) })).AssertNoErrors();
        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], (await PostAsync(gateway, new { extensions = Extensions(Sha256(c)) })).Codes);
        Assert.Equal(1, metrics.Total("drsgraph.persisted.not_stored", "quota"));
        Assert.Equal(1, gateway.Logs.Count("this client address registered 10 KB in the last hour (Gateway:PersistedOperations:RegistrationKilobytesPerAddressPerHour)"));

        static string Padded() => $"# {new string('x', 4_900)}\n{FreshTypenameQuery()}";
    }

    [Fact]
    public async Task With_automatic_persisted_queries_off_a_hash_is_not_supported()
    {
        await using var gateway = fixture.Gateway().WithSetting("Gateway:PersistedOperations:EnableAutomatic", "false").Start();
        var query = FreshQuery();

        var answer = await PostAsync(gateway, new { query, extensions = Extensions(Sha256(query)) });

        Assert.Equal(["PERSISTED_QUERY_NOT_SUPPORTED"], answer.Codes);
        Assert.Equal("PersistedQueryNotSupported", (string?)answer.Errors[0]!["message"]);
    }

    [Fact]
    public async Task With_automatic_persisted_queries_off_a_trusted_document_s_hash_still_hits()
    {
        await using var gateway = fixture.Gateway().WithSetting("Gateway:PersistedOperations:EnableAutomatic", "false").Start();
        var hash = Sha256(PersistedOperationsFixture.JobStatus);
        var variables = new { id = PersistedOperationsFixture.JobId };

        var byHash = await PostAsync(gateway, new { variables, extensions = Extensions(hash) });
        var withText = await PostAsync(gateway, new { query = PersistedOperationsFixture.JobStatus, variables, extensions = Extensions(hash) });

        byHash.AssertNoErrors();
        withText.AssertNoErrors();
        Assert.Equal(PersistedOperationsFixture.JobId, (string?)byHash.Data!["job"]!["id"]);
        // Any other hash is still not supported.
        Assert.Equal(["PERSISTED_QUERY_NOT_SUPPORTED"], (await PostAsync(gateway, new { extensions = Extensions(Sha256(FreshQuery())) })).Codes);
    }

    /// <summary>A hashed GET as Apollo Client's HttpLink sends it from a page of <paramref name="origin"/>.</summary>
    private static Task<HttpResponseMessage> ApolloGetAsync(GatewayHost gateway, string hash, string origin)
    {
        var extensions = Uri.EscapeDataString(JsonSerializer.Serialize(Extensions(hash)));
        var request = new HttpRequestMessage(HttpMethod.Get, $"/graphql?extensions={extensions}")
        {
            // Apollo sends its default Content-Type on GETs too; HttpClient only sends one with content.
            Content = new ByteArrayContent([]),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Accept", "application/graphql-response+json,application/json;q=0.9");
        request.Headers.Add("X-Auth-Token", Token);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        request.Headers.Add("Sec-Fetch-Mode", "cors");
        return gateway.Client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> GetAsync(GatewayHost gateway, string hash, string? token)
    {
        var extensions = Uri.EscapeDataString(JsonSerializer.Serialize(Extensions(hash)));
        var request = new HttpRequestMessage(HttpMethod.Get, $"/graphql?extensions={extensions}");
        request.Headers.Accept.ParseAdd(GatewayHost.GraphQLResponseJson);
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        return gateway.Client.SendAsync(request);
    }
}
