using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Caching;

/// <summary>The cache in process memory: TTLs, tenant partitions, negative and stale answers, coalescing.</summary>
[Collection(CacheTestGroup.Name)]
public sealed class JobCacheTests(CacheFixture fixture) : IAsyncLifetime
{
    private const string AllFields = "id status statusFreshness { fetchedAt stale } progress { percent freshness { fetchedAt stale } } detail { name freshness { fetchedAt stale } }";

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_warm_poll_of_twenty_jobs_costs_no_upstream_call_and_answers_the_same()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(20);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {AllFields} }} }}";

        var cold = (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        var coldCalls = await fixture.UpstreamCallsAsync();
        await fixture.ClearUpstreamLogAsync();
        var warm = (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();

        Assert.Equal(["detail", "progress", "status"], coldCalls.Select(c => c.Endpoint).Order());
        Assert.Empty(await fixture.UpstreamCallsAsync());
        Assert.Equal(cold.Data!.ToJsonString(), warm.Data!.ToJsonString());
        var job = warm.Data!["jobs"]![0]!;
        Assert.Equal(clock.GetUtcNow().UtcDateTime, job["statusFreshness"]!["fetchedAt"]!.GetValue<DateTime>().ToUniversalTime());
        Assert.False(job["progress"]!["freshness"]!["stale"]!.GetValue<bool>());
        Assert.Equal(60, metrics.Total("drsgraph.cache.hits", CacheLevels.Memory));
        Assert.Equal(60, metrics.Total("drsgraph.cache.misses", CacheLevels.Memory));
        Assert.Equal(60, metrics.Total("drsgraph.cache.upstream"));
    }

    [Fact]
    public async Task Status_and_progress_expire_after_five_seconds_while_detail_lasts_a_minute()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        var ids = await fixture.CreateJobsAsync(3);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status progress {{ percent }} detail {{ name }} }} }}";
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();

        await fixture.ClearUpstreamLogAsync();
        clock.Advance(TimeSpan.FromSeconds(4));
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        Assert.Empty(await fixture.UpstreamCallsAsync());

        clock.Advance(TimeSpan.FromSeconds(2));
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        Assert.Equal(["progress", "status"], (await fixture.UpstreamCallsAsync()).Select(c => c.Endpoint).Order());

        await fixture.ClearUpstreamLogAsync();
        clock.Advance(TimeSpan.FromSeconds(55));
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        Assert.Equal(["detail", "progress", "status"], (await fixture.UpstreamCallsAsync()).Select(c => c.Endpoint).Order());
    }

    [Fact]
    public async Task Jobs_in_a_terminal_status_stay_cached_for_five_minutes()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        var released = await fixture.CreateJobsAsync(2, status: "RELEASE_RESOURCE_COMPLETE");
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(released)}) {{ status isTerminal }} }}";
        var first = (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        Assert.True(first.Data!["jobs"]![0]!["isTerminal"]!.GetValue<bool>());

        await fixture.ClearUpstreamLogAsync();
        clock.Advance(TimeSpan.FromMinutes(4));
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        Assert.Empty(await fixture.UpstreamCallsAsync());

        clock.Advance(TimeSpan.FromMinutes(1.1));
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        Assert.Single(await fixture.UpstreamCallsAsync());
    }

    [Fact]
    public async Task Not_found_is_remembered_for_ten_seconds_then_a_job_created_meanwhile_shows_up()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        var id = CacheFixture.NewJobId();
        var query = $"{{ job(id: \"{id}\") {{ status }} }}";

        var missing = await gateway.QueryAsync(query, CacheFixture.TokenA);
        Assert.Equal("DRS.M00289", Code(missing));
        await fixture.CreateJobAsync(id);
        await fixture.ClearUpstreamLogAsync();

        var remembered = await gateway.QueryAsync(query, CacheFixture.TokenA);
        Assert.Equal("DRS.M00289", Code(remembered));
        Assert.Empty(await fixture.UpstreamCallsAsync());

        clock.Advance(TimeSpan.FromSeconds(11));
        var found = (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        Assert.Equal("FULL_TRANSFER_STARTED", found.Data!["job"]!["status"]!.GetValue<string>());
        Assert.Single(await fixture.UpstreamCallsAsync());
    }

    [Fact]
    public async Task A_transient_upstream_failure_is_never_cached()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status }} }}";
        await fixture.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 503, failureCode = "DRS.M00004", endpoints = new[] { "status" } });

        var failed = await gateway.QueryAsync(query, CacheFixture.TokenA);
        await fixture.ClearFaultsAsync();
        await fixture.ClearUpstreamLogAsync();
        var recovered = await gateway.QueryAsync(query, CacheFixture.TokenA);

        Assert.All(failed.Errors, e => Assert.Equal("UPSTREAM_UNAVAILABLE", e!["extensions"]!["code"]!.GetValue<string>()));
        Assert.Equal(2, failed.Errors.Count);
        recovered.AssertNoErrors();
        Assert.Single(await fixture.UpstreamCallsAsync());
    }

    [Fact]
    public async Task When_drs_fails_an_expired_answer_is_served_marked_stale_until_the_grace_period_ends()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status statusFreshness {{ fetchedAt stale }} progress {{ percent freshness {{ fetchedAt stale }} }} }} }}";
        var fresh = (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        var fetchedAt = clock.GetUtcNow().UtcDateTime;

        clock.Advance(TimeSpan.FromSeconds(30));
        await fixture.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 503, failureCode = "DRS.M00004" });
        GraphQLAnswer stale, expired;
        try
        {
            stale = await gateway.QueryAsync(query, CacheFixture.TokenA);
            clock.Advance(TimeSpan.FromMinutes(5));
            expired = await gateway.QueryAsync(query, CacheFixture.TokenA);
        }
        finally
        {
            await fixture.ClearFaultsAsync();
        }

        stale.AssertNoErrors();
        var job = stale.Data!["jobs"]![0]!;
        Assert.Equal(fresh.Data!["jobs"]![0]!["status"]!.GetValue<string>(), job["status"]!.GetValue<string>());
        Assert.True(job["statusFreshness"]!["stale"]!.GetValue<bool>());
        Assert.True(job["progress"]!["freshness"]!["stale"]!.GetValue<bool>());
        Assert.Equal(fetchedAt, job["statusFreshness"]!["fetchedAt"]!.GetValue<DateTime>().ToUniversalTime());
        Assert.Equal(4, metrics.Total("drsgraph.cache.stale"));
        // status, statusFreshness and progress of two jobs: past the grace period DRS's failure shows.
        Assert.Equal(6, expired.Errors.Count);
        Assert.All(expired.Errors, e => Assert.Equal("UPSTREAM_UNAVAILABLE", e!["extensions"]!["code"]!.GetValue<string>()));
    }

    /// <summary>
    /// DRS stalls: the request budget runs out before DRS's own timeout, and the fields waiting then got UPSTREAM_TIMEOUT
    /// although the cache held their last values within StaleGrace (the budget answered without asking the cache).
    /// </summary>
    [Fact]
    public async Task When_the_request_budget_runs_out_on_a_stalled_drs_the_cached_values_are_served_stale()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, settings: new Dictionary<string, string?> { ["Gateway:RequestTimeout"] = "00:00:01.500" });
        var ids = await fixture.CreateJobsAsync(2);
        var cached = await fixture.CreateJobsAsync(1);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList([.. cached, .. ids])}) {{ status statusFreshness {{ stale }} progress {{ percent freshness {{ stale }} }} }} }}";
        (await gateway.QueryAsync($"{{ jobs(ids: {GatewayFixture.IdList(cached)}) {{ status progress {{ percent }} }} }}", CacheFixture.TokenA)).AssertNoErrors();

        clock.Advance(TimeSpan.FromSeconds(30));
        var answer = await fixture.QueryDuringFaultsAsync(gateway, new { hangRate = 1.0 }, query);

        // The cached job: both fields stale. The two never cached: the budget's timeout on each field.
        var jobs = answer.Data!["jobs"]!.AsArray();
        Assert.True(jobs[0]!["statusFreshness"]!["stale"]!.GetValue<bool>());
        Assert.True(jobs[0]!["progress"]!["freshness"]!["stale"]!.GetValue<bool>());
        Assert.All(answer.Errors, e => Assert.Equal("UPSTREAM_TIMEOUT", e!["extensions"]!["code"]!.GetValue<string>()));
        Assert.DoesNotContain(answer.Errors, e => e!["path"]![1]!.GetValue<int>() == 0);
        Assert.NotEmpty(answer.Errors);
    }

    [Fact]
    public async Task A_token_drs_refuses_on_the_project_never_gets_what_another_token_cached()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status detail {{ name }} }} }}";
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await fixture.ClearUpstreamLogAsync();

        var refused = await gateway.QueryAsync(query, CacheFixture.TokenB);
        var unknown = await gateway.QueryAsync(query, "a-token-drs-never-issued-0123456789");

        Assert.All(refused.Data!["jobs"]!.AsArray(), job => Assert.Null(job!["status"]));
        Assert.Equal(4, refused.Errors.Count);
        Assert.All(refused.Errors, e => Assert.Equal("DRS.M00261", e!["extensions"]!["code"]!.GetValue<string>()));
        Assert.Equal(4, unknown.Errors.Count);
        Assert.All(unknown.Errors, e => Assert.Equal("APIGW.0301", e!["extensions"]!["code"]!.GetValue<string>()));
        Assert.Equal(4, (await fixture.UpstreamCallsAsync()).Count);
    }

    [Fact]
    public async Task Two_tokens_of_one_project_each_see_what_drs_told_them_for_the_same_job_id()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        var id = CacheFixture.NewJobId();
        var query = $"{{ job(id: \"{id}\") {{ status }} }}";

        Assert.Equal("DRS.M00289", Code(await gateway.QueryAsync(query, CacheFixture.TokenA)));
        await fixture.CreateJobAsync(id, status: "INCRE_TRANSFER_STARTED");
        var second = (await gateway.QueryAsync(query, CacheFixture.TokenA2)).AssertNoErrors();
        var first = await gateway.QueryAsync(query, CacheFixture.TokenA);

        Assert.Equal("INCRE_TRANSFER_STARTED", second.Data!["job"]!["status"]!.GetValue<string>());
        Assert.Equal("DRS.M00289", Code(first));
    }

    [Fact]
    public async Task Partitioning_by_project_shares_entries_across_tokens_even_one_drs_would_refuse()
    {
        // The documented risk of Gateway:Cache:Partition = Project, made concrete.
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, settings: new Dictionary<string, string?> { ["Gateway:Cache:Partition"] = "Project" });
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status }} }}";
        var first = (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await fixture.ClearUpstreamLogAsync();

        var colleague = (await gateway.QueryAsync(query, CacheFixture.TokenA2)).AssertNoErrors();
        var outsider = (await gateway.QueryAsync(query, CacheFixture.TokenB)).AssertNoErrors();

        Assert.Equal(first.Data!.ToJsonString(), colleague.Data!.ToJsonString());
        Assert.Equal(first.Data!.ToJsonString(), outsider.Data!.ToJsonString());
        Assert.Empty(await fixture.UpstreamCallsAsync());
    }

    [Fact]
    public async Task The_language_is_part_of_the_key_and_no_language_means_en_us()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        var ids = await fixture.CreateJobsAsync(1);
        var query = $"{{ job(id: \"{ids[0]}\") {{ status }} }}";
        (await gateway.QueryAsync(query, CacheFixture.TokenA, headers: [new("X-Language", "en-us")])).AssertNoErrors();
        await fixture.ClearUpstreamLogAsync();

        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        (await gateway.QueryAsync(query, CacheFixture.TokenA, headers: [new("X-Language", "zh-cn")])).AssertNoErrors();

        var call = Assert.Single(await fixture.UpstreamCallsAsync());
        Assert.Equal("zh-cn", call.Language);
    }

    [Fact]
    public async Task Two_hundred_concurrent_pollers_cost_one_upstream_call_per_field()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock);
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var ids = await fixture.CreateJobsAsync(10);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status progress {{ percent }} }} }}";
        // Slow DRS down so the pollers overlap the first fetch instead of finding it done.
        await fixture.SetFaultsAsync(new { latencyMs = 400 });
        GraphQLAnswer[] answers;
        try
        {
            answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => gateway.QueryAsync(query, CacheFixture.TokenA)));
        }
        finally
        {
            await fixture.ClearFaultsAsync();
        }

        Assert.All(answers, answer => answer.AssertNoErrors());
        // Only calls for this test's jobs count: the emulator is shared with the group's other tests. Each call is
        // described in full if this fails, to tell a second fetch from a retry of the first.
        var calls = (await fixture.UpstreamCallsAsync()).Where(c => c.JobIds?.Intersect(ids).Any() == true).ToList();
        Assert.True(
            calls.Select(c => c.Endpoint).Order().SequenceEqual(["progress", "status"]),
            "upstream calls: " + string.Join("; ", calls.Select(c => $"#{c.Sequence} {c.Endpoint} {c.StatusCode} {c.JobIds!.Count} ids")));
        Assert.True(metrics.Total("drsgraph.cache.coalesced") > 0, "no request waited for another's fetch");
        Assert.Equal(200 * 20, metrics.Total("drsgraph.cache.hits", CacheLevels.Memory) + metrics.Total("drsgraph.cache.misses", CacheLevels.Memory));
    }

    [Fact]
    public async Task With_the_cache_disabled_every_poll_goes_to_drs_and_freshness_is_null()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, settings: new Dictionary<string, string?> { ["Gateway:Cache:Enabled"] = "false" });
        var ids = await fixture.CreateJobsAsync(1);
        var query = $"{{ job(id: \"{ids[0]}\") {{ status statusFreshness {{ stale }} }} }}";

        var answer = (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();

        Assert.Null(answer.Data!["job"]!["statusFreshness"]);
        Assert.Equal(2, (await fixture.UpstreamCallsAsync()).Count);
    }

    [Theory]
    [InlineData("Gateway:Cache:StatusTtl", "-00:00:01")]
    [InlineData("Gateway:Cache:KeySecret", "too-short")]
    [InlineData("Gateway:Cache:RedisTimeout", "00:01:00")]
    public async Task An_invalid_cache_setting_stops_the_gateway_at_start(string key, string value)
    {
        var clock = CacheFixture.NewCacheClock();
        var exception = await Record.ExceptionAsync(async () =>
        {
            await using var gateway = fixture.StartGateway(clock, settings: new Dictionary<string, string?> { [key] = value });
        });

        Assert.NotNull(exception);
        Assert.Contains(key.Split(':')[^1], exception.ToString(), StringComparison.Ordinal);
    }

    private static string? Code(GraphQLAnswer answer) => answer.Errors.SingleOrDefault()?["extensions"]?["code"]?.GetValue<string>();
}
