using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Caching;

/// <summary>
/// The answer cache: a repeated query whose jobs are all fresh in memory is answered with the bytes it was answered
/// with, and only while execution would give the same bytes, to the same caller, charged and counted as before.
/// </summary>
[Collection(CacheTestGroup.Name)]
public sealed class ResponseCacheTests(CacheFixture fixture) : IAsyncLifetime
{
    private const string Hits = "drsgraph.cache.responses.hits";

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_repeated_query_is_replayed_byte_for_byte_and_its_job_fields_count_as_memory_hits()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(3);
        var query = $"query Three {{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id status statusFreshness {{ fetchedAt }} progress {{ percent }} detail {{ name }} }} }}";

        var cold = await PostAsync(gateway, query, CacheFixture.TokenA);
        var warm = await PostAsync(gateway, query, CacheFixture.TokenA);
        Assert.Equal(0, metrics.Total(Hits));
        var replayed = await PostAsync(gateway, query, CacheFixture.TokenA);

        Assert.Equal(1, metrics.Total(Hits));
        Assert.Equal(warm.Body, replayed.Body);
        Assert.Equal(cold.Body, replayed.Body);
        Assert.Equal(warm.ContentType, replayed.ContentType);
        Assert.Equal(HttpStatusCode.OK, replayed.Status);
        // The cold request missed 9 job fields; the warm one and the replayed one each hit 9, as lookups would have.
        Assert.Equal(18, metrics.Total("drsgraph.cache.hits", CacheLevels.Memory));
        Assert.Equal(9, metrics.Total("drsgraph.cache.upstream"));
    }

    [Fact]
    public async Task An_answer_is_only_replayed_to_the_headers_it_was_built_for_and_to_the_same_method()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id status }} }}";
        await PostAsync(gateway, query, CacheFixture.TokenA);
        await PostAsync(gateway, query, CacheFixture.TokenA);

        // Another token of the same project has its own cache partition: its job fields are fetched for it.
        await fixture.ClearUpstreamLogAsync();
        (await gateway.QueryAsync(query, CacheFixture.TokenA2)).AssertNoErrors();
        Assert.Equal(["status"], (await fixture.UpstreamCallsAsync()).Select(c => c.Endpoint));

        // A token DRS refuses on this project is refused, never served what TokenA was.
        var refused = await gateway.QueryAsync(query, CacheFixture.TokenB);
        Assert.NotEmpty(refused.Errors);

        // The same token with another language header, and the same request as a GET, are executed, not replayed.
        (await gateway.QueryAsync(query, CacheFixture.TokenA, headers: [new("X-Language", "en-us")])).AssertNoErrors();
        using var get = new HttpRequestMessage(HttpMethod.Get, "/graphql?query=" + Uri.EscapeDataString(query));
        get.Headers.Add("X-Auth-Token", CacheFixture.TokenA);
        (await gateway.SendAsync(get)).AssertNoErrors();
        Assert.Equal(0, metrics.Total(Hits));

        await PostAsync(gateway, query, CacheFixture.TokenA);
        Assert.Equal(1, metrics.Total(Hits));
    }

    [Fact]
    public async Task An_answer_is_not_replayed_once_the_first_of_its_job_fields_is_no_longer_fresh()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id statusFreshness {{ fetchedAt }} detail {{ name }} }} }}";
        await PostAsync(gateway, query, CacheFixture.TokenA);
        var kept = await PostAsync(gateway, query, CacheFixture.TokenA);

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(kept.Body, (await PostAsync(gateway, query, CacheFixture.TokenA)).Body);
        Assert.Equal(1, metrics.Total(Hits));

        // Status lasts 5 s, detail a minute: past 5 s the status is fetched again and the answer says so.
        await fixture.ClearUpstreamLogAsync();
        clock.Advance(TimeSpan.FromSeconds(2));
        var after = await PostAsync(gateway, query, CacheFixture.TokenA);
        Assert.Equal(1, metrics.Total(Hits));
        Assert.Equal(["status"], (await fixture.UpstreamCallsAsync()).Select(c => c.Endpoint));
        Assert.NotEqual(kept.Body, after.Body);
        Assert.Contains(clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), after.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_newer_status_stored_by_the_job_list_is_answered_at_once_not_the_kept_answer()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        using var metrics = new CacheMeterRecorder(gateway.Services);
        // Named, so the job list below finds them however many jobs other tests have added to the project.
        var name = $"newer-status-{Guid.NewGuid():N}";
        var ids = await fixture.CreateJobsAsync(2, name: name);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id status }} }}";
        await PostAsync(gateway, query, CacheFixture.TokenA);
        await PostAsync(gateway, query, CacheFixture.TokenA);
        await PostAsync(gateway, query, CacheFixture.TokenA);
        Assert.Equal(1, metrics.Total(Hits));

        (await fixture.Emulator.Control.PostAsJsonAsync($"/_emulator/jobs/{ids[0]}/transition", new { projectId = CacheFixture.Project, status = "INCRE_TRANSFER_STARTED", frozen = true })).EnsureSuccessStatusCode();
        // The job list carries every listed job's status, and the gateway stores them as fresh statuses.
        var listed = (await gateway.QueryAsync($"{{ projectJobs(first: 50, where: {{ name: {{ eq: \"{name}\" }} }}) {{ edges {{ node {{ id status }} }} }} }}", CacheFixture.TokenA)).AssertNoErrors();
        Assert.Contains(listed.Data!["projectJobs"]!["edges"]!.AsArray(), edge => (string?)edge!["node"]!["id"] == ids[0] && (string?)edge["node"]!["status"] == "INCRE_TRANSFER_STARTED");

        // The same request as the kept answer's, within the status TTL: executed, since memory holds a newer status.
        var answer = JsonNode.Parse((await PostAsync(gateway, query, CacheFixture.TokenA)).Body)!;
        Assert.Equal("INCRE_TRANSFER_STARTED", (string?)answer["data"]!["jobs"]![0]!["status"]);
        Assert.Equal(1, metrics.Total(Hits));
    }

    [Fact]
    public async Task Answers_with_errors_from_the_job_list_or_in_a_batch_are_never_replayed()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(2);
        var missing = $"{{ jobs(ids: [\"{ids[0]}\", \"{CacheFixture.NewJobId()}\"]) {{ id status }} }}";
        // A cursor carries its issue time; the job list itself is not what the answer cache can check later.
        var withCursors = "{ projectJobs(first: 10) { totalCount edges { cursor node { id status } } } }";
        var listOnly = "{ projectJobs(first: 10) { edges { node { id progress { percent } } } } }";
        for (var i = 0; i < 3; i++)
        {
            Assert.NotEmpty((await gateway.QueryAsync(missing, CacheFixture.TokenA)).Errors);
            await PostAsync(gateway, withCursors, CacheFixture.TokenA);
            await PostAsync(gateway, listOnly, CacheFixture.TokenA);
            using var batch = new HttpRequestMessage(HttpMethod.Post, "/graphql")
            {
                Content = JsonContent.Create(new[] { new { query = $"{{ job(id: \"{ids[1]}\") {{ status }} }}" } }),
            };
            batch.Headers.Add("X-Auth-Token", CacheFixture.TokenA);
            Assert.Equal(HttpStatusCode.OK, (await gateway.SendAsync(batch)).Status);
        }

        Assert.Equal(0, metrics.Total(Hits));
    }

    [Fact]
    public async Task Zero_megabytes_turns_the_answer_cache_off()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, settings: new Dictionary<string, string?> { ["Gateway:Cache:MaxResponseMegabytes"] = "0" });
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id status }} }}";
        for (var i = 0; i < 4; i++)
        {
            await PostAsync(gateway, query, CacheFixture.TokenA);
        }

        Assert.Equal(0, metrics.Total(Hits));
        Assert.Equal(0, metrics.Total("drsgraph.cache.responses.misses"));
        Assert.Equal(6, metrics.Total("drsgraph.cache.hits", CacheLevels.Memory));
    }

    [Fact]
    public async Task An_answer_larger_than_the_largest_kept_is_executed_every_time()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, settings: new Dictionary<string, string?> { ["Gateway:Cache:MaxResponseKilobytes"] = "1", ["Gateway:Cache:MaxResponseMegabytes"] = "1" });
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(20);
        var large = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id status detail {{ name }} }} }}";
        var small = $"{{ job(id: \"{ids[0]}\") {{ status }} }}";
        for (var i = 0; i < 3; i++)
        {
            await PostAsync(gateway, large, CacheFixture.TokenA);
        }

        Assert.Equal(0, metrics.Total(Hits));

        // The small answer (under 1 KB with its key) is kept by the first request and replayed to the next two.
        for (var i = 0; i < 3; i++)
        {
            await PostAsync(gateway, small, CacheFixture.TokenA);
        }

        Assert.Equal(2, metrics.Total(Hits));

        // A request too large to be part of a kept answer's key is not even looked up.
        var misses = metrics.Total("drsgraph.cache.responses.misses");
        var padded = small + "\n#" + new string('x', 600);
        for (var i = 0; i < 3; i++)
        {
            await PostAsync(gateway, padded, CacheFixture.TokenA);
        }

        Assert.Equal(2, metrics.Total(Hits));
        Assert.Equal(misses, metrics.Total("drsgraph.cache.responses.misses"));
    }

    [Fact]
    public async Task A_replayed_answer_is_charged_by_the_rate_limiter_like_an_executed_one()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = GatewayHost.Builder()
            .WithEmulator(fixture.Emulator)
            .WithCacheClock(clock)
            .WithSetting("Gateway:Security:RateLimit:BurstLimit", "10")
            .WithSetting("Gateway:Security:RateLimit:TokensPerPeriod", "1")
            .WithSetting("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:10:00")
            .Start();
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(50);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id status }} }}";

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await gateway.QueryAsync(query, CacheFixture.TokenA)).Status);
        }

        // 50 job IDs cost 3 permits (1 + 1 per 25), replayed or not: three answers (the third replayed) take 9 of
        // the 10, and the fourth is refused once its operation is charged. Charged only at the door, a replayed
        // answer would cost 1 and the fourth would pass.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(1, metrics.Total(Hits));
    }

    [Fact]
    public async Task A_replayed_answer_is_traced_as_its_operation_and_says_it_was_replayed()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"query Polled {{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id status }} }}";
        await PostAsync(gateway, query, CacheFixture.TokenA);
        await PostAsync(gateway, query, CacheFixture.TokenA);

        using var trace = new TraceRecorder(source => source.Name.StartsWith("DrsGraph.", StringComparison.Ordinal));
        using (trace.Begin())
        {
            await PostAsync(gateway, query, CacheFixture.TokenA);
        }

        var stopped = trace.Stopped;

        var operation = Assert.Single(stopped, span => span.Source.Name == "DrsGraph.GraphQL");
        Assert.Equal("query Polled", operation.DisplayName);
        Assert.Equal(0, operation.GetTagItem("graphql.errors"));
        Assert.Equal("hit", operation.GetTagItem("drsgraph.cache.response"));
        Assert.DoesNotContain(stopped, span => span.Source.Name == "DrsGraph.DataLoader");
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("GET")]
    public async Task The_request_kept_with_an_answer_runs_when_the_answer_is_not_replayed(string method)
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(3);
        const string Query = "query Polled($ids: [ID!]!, $withDetail: Boolean!) { jobs(ids: $ids) { id status detail @include(if: $withDetail) { name } } }";
        var variables = new JsonObject { ["ids"] = new JsonArray([.. ids.Select(id => (JsonNode)id)]), ["withDetail"] = true };
        // Whitespace before the object: still one operation, looked up and kept.
        var body = "\n  " + new JsonObject { ["query"] = Query, ["variables"] = variables }.ToJsonString();
        var get = "/graphql?query=" + Uri.EscapeDataString(Query) + "&variables=" + Uri.EscapeDataString(variables.ToJsonString());
        async Task<GraphQLAnswer> SendAsync()
        {
            using var request = method == "POST"
                ? new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") }
                : new HttpRequestMessage(HttpMethod.Get, get);
            request.Headers.Add("X-Auth-Token", CacheFixture.TokenA);
            var answer = await gateway.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            answer.AssertNoErrors();
            Assert.Equal(ids, answer.Data!["jobs"]!.AsArray().Select(job => (string?)job!["id"]));
            Assert.All(answer.Data!["jobs"]!.AsArray(), job => Assert.NotNull(job!["detail"]!["name"]));
            return answer;
        }

        await SendAsync();
        var kept = await SendAsync();
        Assert.Equal(kept.Raw, (await SendAsync()).Raw);
        Assert.Equal(1, metrics.Total(Hits));

        // A newer status stored by the job list: the kept answer is found but not replayed, and the request kept
        // with it (its variables) is what runs, from memory.
        (await fixture.Emulator.Control.PostAsJsonAsync($"/_emulator/jobs/{ids[0]}/transition", new { projectId = CacheFixture.Project, status = "INCRE_TRANSFER_STARTED", frozen = true })).EnsureSuccessStatusCode();
        var name = (string?)kept.Data!["jobs"]![0]!["detail"]!["name"];
        var listed = (await gateway.QueryAsync($"{{ projectJobs(first: 50, where: {{ name: {{ eq: \"{name}\" }} }}) {{ nodes {{ id status }} }} }}", CacheFixture.TokenA)).AssertNoErrors();
        Assert.Contains(listed.Data!["projectJobs"]!["nodes"]!.AsArray(), node => (string?)node!["id"] == ids[0] && (string?)node["status"] == "INCRE_TRANSFER_STARTED");
        await fixture.ClearUpstreamLogAsync();
        var executed = await SendAsync();
        Assert.Equal(1, metrics.Total(Hits));
        Assert.Equal("INCRE_TRANSFER_STARTED", (string?)executed.Data!["jobs"]![0]!["status"]);
        Assert.Empty(await fixture.UpstreamCallsAsync());

        // Built from memory alone, that answer is kept in turn.
        Assert.Equal(executed.Raw, (await SendAsync()).Raw);
        Assert.Equal(2, metrics.Total(Hits));
    }

    [Fact]
    public async Task A_kept_body_with_one_character_turned_into_invalid_UTF8_is_refused_not_answered_as_the_kept_one()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(2);
        // U+FFFD in a comment of the query, sent as its raw UTF-8 bytes (EF BF BD). The key is the body decoded as text,
        // and a lone 0xFF decodes to U+FFFD too: the second body has the first one's key.
        var text = $"{{\"query\":\"{{ jobs(ids: {GatewayFixture.IdList(ids).Replace("\"", "\\\"", StringComparison.Ordinal)}) {{ id status }} }} # \uFFFD\"}}";
        var valid = System.Text.Encoding.UTF8.GetBytes(text);
        var at = valid.AsSpan().IndexOf("\uFFFD"u8);
        Assert.True(at > 0);
        byte[] invalid = [.. valid[..at], 0xFF, .. valid[(at + 3)..]];
        Assert.Equal(System.Text.Encoding.UTF8.GetString(valid), System.Text.Encoding.UTF8.GetString(invalid));

        async Task<GraphQLAnswer> SendAsync(byte[] body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Accept.ParseAdd(GatewayHost.GraphQLResponseJson);
            request.Headers.Add("X-Auth-Token", CacheFixture.TokenA);
            return await gateway.SendAsync(request);
        }

        for (var i = 0; i < 3; i++)
        {
            (await SendAsync(valid)).AssertNoErrors();
        }

        Assert.Equal(1, metrics.Total(Hits));
        var refused = await SendAsync(invalid);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("not valid UTF-8", refused.Raw, StringComparison.Ordinal);
        Assert.Equal(1, metrics.Total(Hits));
    }

    [Fact]
    public async Task A_request_whose_parsed_values_would_not_fit_beside_its_answer_is_not_kept()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, settings: new Dictionary<string, string?> { ["Gateway:Cache:MaxResponseKilobytes"] = "16", ["Gateway:Cache:MaxResponseMegabytes"] = "1" });
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id status }} }}";

        // Extensions are read into GraphQL input values like variables. 600 small numbers are 1.2 KB of text (2.4 KB of
        // key) but about 24 KB once read (a boxed number and a list slot each): more than the 16 KB an answer may take.
        async Task SendAsync(int numbers)
        {
            var body = new JsonObject { ["query"] = query, ["extensions"] = new JsonObject { ["pad"] = new JsonArray([.. Enumerable.Repeat(0, numbers).Select(n => (JsonNode)n)]) } };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Auth-Token", CacheFixture.TokenA);
            (await gateway.SendAsync(request)).AssertNoErrors();
        }

        for (var i = 0; i < 3; i++)
        {
            await SendAsync(600);
        }

        Assert.Equal(0, metrics.Total(Hits));
        for (var i = 0; i < 3; i++)
        {
            await SendAsync(20);
        }

        // The job fields are in memory since the first requests: the first small one is kept, the next two replayed.
        Assert.Equal(2, metrics.Total(Hits));
    }

    private static async Task<(HttpStatusCode Status, string Body, string? ContentType)> PostAsync(GatewayHost gateway, string query, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query }) };
        request.Headers.Accept.ParseAdd(GatewayHost.GraphQLResponseJson);
        request.Headers.Add("X-Auth-Token", token);
        using var response = await gateway.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.DoesNotContain("\"errors\"", body, StringComparison.Ordinal);
        return (response.StatusCode, body, response.Content.Headers.ContentType?.ToString());
    }
}
