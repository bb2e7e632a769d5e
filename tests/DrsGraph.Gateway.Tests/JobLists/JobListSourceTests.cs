using System.Net.Http.Json;
using System.Text.Json;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;
using DrsGraph.Gateway.JobLists;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.JobLists;

/// <summary>
/// The job-list data layer inside a real gateway, against the real emulator: what is pushed into the list
/// call, the walk over a big project, the list cache and the statuses it primes, counted in the emulator's
/// request log.
/// </summary>
public sealed class JobListSourceTests
{
    private const string Token = "list-token-5c1e";
    private const string BigProject = "7e1f0b2c3d4e5f60718293a4b5c6d7e8";
    private static readonly DrsCaller Demo = new(Token, TestEmulator.DemoProject);

    private static async Task<GatewayHost> StartAsync(FakeTimeProvider? cacheClock = null, params (string Key, string Value)[] settings)
    {
        var builder = GatewayHost.Builder().WithEmulator(TestEmulator.FrozenClock());
        if (cacheClock is not null)
        {
            builder = builder.WithCacheClock(cacheClock);
        }

        foreach (var (key, value) in settings)
        {
            builder = builder.WithSetting(key, value);
        }

        return await builder.StartAsync();
    }

    private static IJobListSource Source(GatewayHost gateway) => gateway.Services.GetRequiredService<IJobListSource>();

    private static async Task<List<string>> CreateAsync(GatewayHost gateway, object request)
    {
        var response = await gateway.Emulator!.Control.PostAsJsonAsync("/_emulator/jobs", request);
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. created.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()!)];
    }

    /// <summary>The emulator's log, with the list calls' filters (which the shared UpstreamCall record leaves out).</summary>
    private static async Task<List<JsonElement>> CallsAsync(GatewayHost gateway)
    {
        var log = await gateway.Emulator!.Control.GetFromJsonAsync<JsonElement>("/_emulator/requests");
        return [.. log.GetProperty("requests").EnumerateArray()];
    }

    private static JobListPage Ok(DrsResult<Fetched<JobListPage>> answer)
    {
        Assert.True(answer.IsSuccess, answer.Error?.ToString());
        return answer.Value!.Value;
    }

    [Fact]
    public async Task Every_drs_filter_is_pushed_into_one_list_call_and_agrees_with_filtering_the_full_list_by_hand()
    {
        await using var gateway = await StartAsync();
        var filter = new JobListFilter(DbUseType.Sync, Status: JobStatus.IncreTransferStarted, NetType: NetType.Eip, EngineType: "mysql",
            Tags: new Dictionary<string, string> { ["env"] = "prod" });

        var pushed = Ok(await Source(gateway).ListAsync(Demo, filter, JobListPaging.Of(1, 20), CancellationToken.None));
        var calls = await CallsAsync(gateway);
        var everything = Ok(await Source(gateway).ListAsync(Demo, new JobListFilter(DbUseType.Sync), JobListPaging.All, CancellationToken.None));

        var call = Assert.Single(calls);
        Assert.Equal("list", call.GetProperty("endpoint").GetString());
        var body = call.GetProperty("listQuery");
        Assert.Equal("sync", body.GetProperty("dbUseType").GetString());
        Assert.Equal("INCRE_TRANSFER_STARTED", body.GetProperty("status").GetString());
        Assert.Equal("eip", body.GetProperty("netType").GetString());
        Assert.Equal("mysql", body.GetProperty("engineType").GetString());
        Assert.Equal("prod", body.GetProperty("tags").GetProperty("env").GetString());
        Assert.Equal(20, call.GetProperty("pageReq").GetProperty("perPage").GetInt32());

        // By hand: only the tags are not on a list entry; ask batch-detail for them.
        var candidates = everything.Jobs.Where(j => j.Status.Status == JobStatus.IncreTransferStarted && j.NetType == NetType.Eip && j.EngineType == "mysql").ToList();
        var chain = gateway.Services.GetRequiredService<DrsGraph.Gateway.DataSources.JobDataSourceChain>();
        var details = await chain.Shared.GetDetailsAsync(Demo, [.. candidates.Select(c => c.Id)], CancellationToken.None);
        var byHand = candidates.Where(c => details[c.Id].Value!.Value.Tags.Any(t => t.Key == "env" && t.Value == "prod")).Select(c => c.Id).ToList();
        Assert.NotEmpty(byHand);
        Assert.Equal(byHand.Count, pushed.TotalCount);
        Assert.Equal(byHand.Take(20), pushed.Jobs.Select(j => j.Id));
    }

    [Fact]
    public async Task A_walk_that_never_adds_up_fails_for_list_ttl_and_neither_caches_a_list_nor_primes_statuses()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync(clock);
        var created = await CreateAsync(gateway, new { projectId = BigProject, count = 150, dbUseType = "sync", status = "INCRE_TRANSFER_STARTED", frozen = true });
        var caller = new DrsCaller(Token, BigProject);
        var filter = new JobListFilter(DbUseType.Sync, Status: JobStatus.IncreTransferStarted);
        // Every walk's page 1 moves its first job out of the filter: the pages never add up.
        await gateway.Emulator!.SetFaultsAsync(new { listMoveNext = 100 });
        await gateway.Emulator.ClearUpstreamLogAsync();

        var failed = await Source(gateway).ListAsync(caller, filter, JobListPaging.All, CancellationToken.None);

        Assert.False(failed.IsSuccess);
        Assert.Equal(DrsErrorCodes.ListInconsistent, failed.Error!.Code);
        var walked = (await CallsAsync(gateway)).Count;
        Assert.Equal(6, walked);

        // The verdict is kept for ListTtl (walks that never add up cost a dozen calls each time): asked again, no call.
        await gateway.Emulator.ClearFaultsAsync();
        await gateway.Emulator.ClearUpstreamLogAsync();
        var again = await Source(gateway).ListAsync(caller, filter, JobListPaging.All, CancellationToken.None);
        Assert.Equal(DrsErrorCodes.ListInconsistent, again.Error!.Code);
        Assert.Empty(await CallsAsync(gateway));

        // No list was kept: after ListTtl the next question walks DRS again (now quiet) and gets the full, right list.
        clock.Advance(TimeSpan.FromSeconds(6));
        var listed = Ok(await Source(gateway).ListAsync(caller, filter, JobListPaging.All, CancellationToken.None));
        Assert.Equal(2, (await CallsAsync(gateway)).Count);
        Assert.Equal(147, listed.TotalCount);
        Assert.Equal(147, listed.Jobs.Count);
        Assert.Equal(147, listed.Jobs.Select(j => j.Id).Intersect(created).Count());
    }

    [Fact]
    public async Task A_project_of_250_jobs_is_walked_in_three_calls_every_job_once_newest_first()
    {
        await using var gateway = await StartAsync();
        var older = await CreateAsync(gateway, new { projectId = BigProject, count = 150, dbUseType = "migration" });
        var newer = await CreateAsync(gateway, new { projectId = BigProject, count = 100, dbUseType = "migration", status = "INCRE_TRANSFER_STARTED" });
        await gateway.Emulator!.ClearUpstreamLogAsync();

        var all = Ok(await Source(gateway).ListAsync(new DrsCaller(Token, BigProject), new JobListFilter(DbUseType.Migration), JobListPaging.All, CancellationToken.None));

        Assert.Equal(250, all.TotalCount);
        Assert.True(all.IsComplete);
        Assert.Equal(older.Concat(newer).Order(StringComparer.Ordinal), all.Jobs.Select(j => j.Id).Order(StringComparer.Ordinal));
        var created = all.Jobs.Select(j => j.CreatedAt!.Value).ToList();
        Assert.Equal(created.OrderDescending(), created);
        var calls = await CallsAsync(gateway);
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.Equal("list", c.GetProperty("endpoint").GetString()));
    }

    [Fact]
    public async Task Without_a_use_type_every_use_type_is_walked_and_merged_newest_first()
    {
        await using var gateway = await StartAsync();
        var migration = await CreateAsync(gateway, new { projectId = BigProject, count = 3, dbUseType = "migration" });
        var sync = await CreateAsync(gateway, new { projectId = BigProject, count = 4, dbUseType = "sync", status = "INCRE_TRANSFER_FAILED" });
        var guard = await CreateAsync(gateway, new { projectId = BigProject, count = 2, dbUseType = "cloudDataGuard", status = "PAUSING" });
        await gateway.Emulator!.ClearUpstreamLogAsync();

        var all = Ok(await Source(gateway).ListAsync(new DrsCaller(Token, BigProject), JobListFilter.None, JobListPaging.All, CancellationToken.None));

        Assert.Equal(9, all.TotalCount);
        Assert.Equal(migration.Concat(sync).Concat(guard).Order(StringComparer.Ordinal), all.Jobs.Select(j => j.Id).Order(StringComparer.Ordinal));
        var created = all.Jobs.Select(j => j.CreatedAt!.Value).ToList();
        Assert.Equal(created.OrderDescending(), created);
        Assert.All(all.Jobs.Where(j => sync.Contains(j.Id)), j => Assert.Equal(DbUseType.Sync, j.UseType));
        var calls = await CallsAsync(gateway);
        Assert.Equal(["cloudDataGuard", "migration", "sync"], calls.Select(c => c.GetProperty("listQuery").GetProperty("dbUseType").GetString()).Order(StringComparer.Ordinal));
        await Assert.ThrowsAsync<ArgumentException>(() => Source(gateway).ListAsync(Demo, JobListFilter.None, JobListPaging.Of(1, 10), CancellationToken.None));
    }

    [Fact]
    public async Task A_listed_page_primes_the_status_cache_so_its_status_costs_no_batch_status_call()
    {
        await using var gateway = await StartAsync();
        var page = Ok(await Source(gateway).ListAsync(Demo, new JobListFilter(DbUseType.Sync), JobListPaging.Of(1, 20), CancellationToken.None));
        var ids = page.Jobs.Select(j => j.Id).ToList();
        await gateway.Emulator!.ClearUpstreamLogAsync();

        var statusOnly = (await gateway.QueryAsync($"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id status isFailed }} }}", Token)).AssertNoErrors();
        var afterStatus = await gateway.Emulator.UpstreamCallsAsync();
        var withProgress = (await gateway.QueryAsync($"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status progress {{ percent }} }} }}", Token)).AssertNoErrors();
        var afterProgress = await gateway.Emulator.UpstreamCallsAsync();

        Assert.Equal(20, ids.Count);
        Assert.Empty(afterStatus);
        Assert.Equal(["progress"], afterProgress.Select(c => c.Endpoint));
        var statuses = statusOnly.Data!["jobs"]!.AsArray().Select(j => j!["status"]!.GetValue<string>()).ToList();
        Assert.Equal(page.Jobs.Select(j => j.Status.Status.ToString()), statuses.Select(s => s.Replace("_", string.Empty, StringComparison.Ordinal)), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(20, withProgress.Data!["jobs"]!.AsArray().Count);

        // Another token's cache partition was not primed: its status query asks DRS.
        await gateway.Emulator.ClearUpstreamLogAsync();
        (await gateway.QueryAsync($"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status }} }}", "another-token")).AssertNoErrors();
        Assert.Equal(["status"], (await gateway.Emulator.UpstreamCallsAsync()).Select(c => c.Endpoint));
    }

    [Fact]
    public async Task With_redis_the_primed_statuses_are_in_redis_when_the_list_answers_so_another_replica_needs_no_batch_status_call()
    {
        await using var redis = await RedisServer.StartAsync();
        const string secret = "job-list-test-secret-0123456789abcdef";
        await using var emulator = await TestEmulator.StartAsync(TestEmulator.FrozenClock());
        await using var first = await GatewayHost.Builder().WithEmulator(emulator).WithRedis(redis, secret).StartAsync();
        await using var second = await GatewayHost.Builder().WithEmulator(emulator).WithRedis(redis, secret).StartAsync();
        await WaitUntilConnectedAsync(first, second);

        var page = Ok(await Source(first).ListAsync(Demo, new JobListFilter(DbUseType.Migration), JobListPaging.Of(1, 20), CancellationToken.None));
        await emulator.ClearUpstreamLogAsync();
        var ids = page.Jobs.Select(j => j.Id).ToList();
        (await first.QueryAsync($"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status }} }}", Token)).AssertNoErrors();
        (await second.QueryAsync($"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status }} }}", Token)).AssertNoErrors();

        Assert.Equal(20, ids.Count);
        Assert.Empty(await emulator.UpstreamCallsAsync());
    }

    private static async Task WaitUntilConnectedAsync(params GatewayHost[] gateways)
    {
        // The connection is made in the background after start.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!gateways.All(g => g.Services.GetRequiredService<DrsGraph.Gateway.Caching.RedisJobCache>().IsConnected))
        {
            Assert.True(DateTime.UtcNow < deadline, "A gateway never connected to Redis.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task List_answers_are_cached_per_partition_filter_and_page_for_the_list_ttl()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync(clock, ("Gateway:Cache:ListTtl", "00:00:05"));
        var source = Source(gateway);
        var filter = new JobListFilter(DbUseType.Migration, Status: JobStatus.IncreTransferStarted);

        var first = Ok(await source.ListAsync(Demo, filter, JobListPaging.Of(1, 10), CancellationToken.None));
        var again = Ok(await source.ListAsync(Demo, filter with { }, JobListPaging.Of(1, 10), CancellationToken.None));
        Assert.Single(await CallsAsync(gateway));
        Assert.Same(first, again);

        await source.ListAsync(Demo, filter, JobListPaging.Of(2, 10), CancellationToken.None);
        await source.ListAsync(Demo, filter with { NetType = NetType.Vpn }, JobListPaging.Of(1, 10), CancellationToken.None);
        await source.ListAsync(Demo with { AuthToken = "another-token" }, filter, JobListPaging.Of(1, 10), CancellationToken.None);
        await source.ListAsync(Demo with { Language = "zh-cn" }, filter, JobListPaging.Of(1, 10), CancellationToken.None);
        Assert.Equal(5, (await CallsAsync(gateway)).Count);

        clock.Advance(TimeSpan.FromSeconds(4));
        await source.ListAsync(Demo, filter, JobListPaging.Of(1, 10), CancellationToken.None);
        Assert.Equal(5, (await CallsAsync(gateway)).Count);
        clock.Advance(TimeSpan.FromSeconds(2));
        var refreshed = await source.ListAsync(Demo, filter, JobListPaging.Of(1, 10), CancellationToken.None);
        Assert.Equal(6, (await CallsAsync(gateway)).Count);
        Assert.Equal(clock.GetUtcNow().UtcDateTime, refreshed.Value!.Freshness!.FetchedAt);
    }

    [Fact]
    public async Task List_answers_are_held_within_a_byte_budget_whatever_their_count()
    {
        // A whole-project walk of 1 200 jobs is well over half a megabyte: one fits a 1 MB budget, two do not.
        await using var gateway = await StartAsync(settings: ("Gateway:Cache:ListMaxMegabytes", "1"));
        await CreateAsync(gateway, new { projectId = BigProject, count = 1200, dbUseType = "migration", frozen = true });
        var source = Source(gateway);
        var filter = new JobListFilter(DbUseType.Migration);
        DrsCaller Caller(string token) => new(token, BigProject);
        var cache = gateway.Services.GetRequiredService<CachingJobListSource>();

        var first = Ok(await source.ListAsync(Caller("budget-token-a"), filter, JobListPaging.All, CancellationToken.None));
        var bytes = CachingJobListSource.EstimatedBytes("key", first);
        Assert.InRange(bytes, 512 * 1024, 1024 * 1024);
        Ok(await source.ListAsync(Caller("budget-token-b"), filter, JobListPaging.All, CancellationToken.None));
        await gateway.Emulator!.ClearUpstreamLogAsync();

        // The first answer is still held; the second did not fit, so asking again goes to DRS.
        Ok(await source.ListAsync(Caller("budget-token-a"), filter, JobListPaging.All, CancellationToken.None));
        Assert.Empty(await CallsAsync(gateway));
        Ok(await source.ListAsync(Caller("budget-token-b"), filter, JobListPaging.All, CancellationToken.None));
        Assert.NotEmpty(await CallsAsync(gateway));
        Assert.InRange(cache.HeldBytes, bytes, 1024 * 1024);
    }

    [Fact]
    public async Task A_list_answer_larger_than_the_whole_budget_is_not_cached()
    {
        await using var gateway = await StartAsync(settings: ("Gateway:Cache:ListMaxMegabytes", "1"));
        await CreateAsync(gateway, new { projectId = BigProject, count = 2000, dbUseType = "migration", frozen = true });
        var caller = new DrsCaller(Token, BigProject);
        var filter = new JobListFilter(DbUseType.Migration);

        var all = Ok(await Source(gateway).ListAsync(caller, filter, JobListPaging.All, CancellationToken.None));
        Assert.True(CachingJobListSource.EstimatedBytes("key", all) > 1024 * 1024, "the walk is larger than the budget");
        await gateway.Emulator!.ClearUpstreamLogAsync();
        Ok(await Source(gateway).ListAsync(caller, filter, JobListPaging.All, CancellationToken.None));

        Assert.NotEmpty(await CallsAsync(gateway));
        Assert.Equal(0, gateway.Services.GetRequiredService<CachingJobListSource>().HeldBytes);
    }

    [Fact]
    public async Task Errors_are_not_cached_and_come_back_typed()
    {
        await using var gateway = await StartAsync(null, ("Drs:Resilience:Retry:MaxRetryAttempts", "1"));
        await gateway.Emulator!.SetFaultsAsync(new { failNext = 2, failureStatus = 503, endpoints = new[] { "list" } });
        var filter = new JobListFilter(DbUseType.Sync);

        var failed = await Source(gateway).ListAsync(Demo, filter, JobListPaging.Of(1, 10), CancellationToken.None);
        var recovered = await Source(gateway).ListAsync(Demo, filter, JobListPaging.Of(1, 10), CancellationToken.None);

        Assert.Equal(DrsErrorKind.Unavailable, failed.Error!.Kind);
        Assert.Equal("DRS.M00004", failed.Error.Code);
        Assert.Equal(10, Ok(recovered).Jobs.Count);
        Assert.Equal([503, 503, 200], (await gateway.Emulator.UpstreamCallsAsync()).Select(c => c.StatusCode));
    }

    [Fact]
    public async Task With_the_cache_off_every_list_goes_to_drs()
    {
        await using var gateway = await StartAsync(null, ("Gateway:Cache:Enabled", "false"));
        var filter = new JobListFilter(DbUseType.Sync);

        await Source(gateway).ListAsync(Demo, filter, JobListPaging.Of(1, 10), CancellationToken.None);
        await Source(gateway).ListAsync(Demo, filter, JobListPaging.Of(1, 10), CancellationToken.None);

        Assert.IsType<DrsJobListSource>(Source(gateway));
        Assert.Equal(2, (await CallsAsync(gateway)).Count);
    }

    [Fact]
    public async Task Ids_are_pushed_as_drs_comma_separated_name_and_bad_requests_are_refused_before_drs()
    {
        await using var gateway = await StartAsync();
        var everything = Ok(await Source(gateway).ListAsync(Demo, new JobListFilter(DbUseType.Sync), JobListPaging.All, CancellationToken.None));
        var wanted = everything.Jobs.Skip(3).Take(4).Select(j => j.Id).ToList();
        await gateway.Emulator!.ClearUpstreamLogAsync();

        var byIds = Ok(await Source(gateway).ListAsync(Demo, new JobListFilter(DbUseType.Sync, Ids: wanted), JobListPaging.Of(1, 100), CancellationToken.None));

        Assert.Equal(wanted, byIds.Jobs.Select(j => j.Id));
        Assert.Equal(string.Join(',', wanted), Assert.Single(await CallsAsync(gateway)).GetProperty("listQuery").GetProperty("name").GetString());
        await Assert.ThrowsAsync<ArgumentException>(() => Source(gateway).ListAsync(Demo, new JobListFilter(DbUseType.Sync, Ids: ["not-an-id"]), JobListPaging.Of(1, 10), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Source(gateway).ListAsync(Demo, new JobListFilter(DbUseType.Sync, Name: "x", Ids: wanted), JobListPaging.Of(1, 10), CancellationToken.None));
        Assert.Single(await CallsAsync(gateway));
    }

    [Fact]
    public async Task A_list_still_waiting_for_drs_when_the_operation_budget_ends_answers_a_timeout()
    {
        await using var gateway = await StartAsync();
        await gateway.Emulator!.SetFaultsAsync(new { hangNext = 1, endpoints = new[] { "list" } });
        using var expiry = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var source = BudgetedJobListSource.ForOperation(Source(gateway), new DrsGraph.Gateway.Limits.RequestBudget(TimeSpan.FromMilliseconds(300), expiry.Token));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        var answer = await source.ListAsync(Demo, new JobListFilter(DbUseType.Sync), JobListPaging.Of(1, 10), CancellationToken.None);

        Assert.Equal(DrsErrorKind.Timeout, answer.Error!.Kind);
        Assert.Equal(DrsErrorCodes.UpstreamTimeout, answer.Error.Code);
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(2), "the budget, not DRS's timeouts, ended the wait");
        Assert.Same(Source(gateway), BudgetedJobListSource.ForOperation(Source(gateway), null));
    }

    [Fact]
    public void Every_status_is_spelled_as_drs_spells_it()
    {
        foreach (var status in Enum.GetValues<JobStatus>().Where(s => s != JobStatus.Unknown))
        {
            Assert.Equal(status, JobMapper.ParseStatus(JobListWireNames.Status(status)));
        }

        Assert.Equal("STARTJOBING", JobListWireNames.Status(JobStatus.Startjobing));
        Assert.Equal("INCRE_TRANSFER_FAILED", JobListWireNames.Status(JobStatus.IncreTransferFailed));
    }

    [Fact]
    public async Task An_out_of_range_list_ttl_stops_the_gateway_at_start()
    {
        await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(null, ("Gateway:Cache:ListTtl", "02:00:00")));
    }
}
