using System.Net.Http.Json;
using System.Text;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Gateway.Tests.Caching;

/// <summary>The Redis level against a real redis-server: sharing between replicas, batching, failing open.</summary>
[Collection(CacheTestGroup.Name)]
public sealed class RedisCacheTests(CacheFixture fixture) : IAsyncLifetime
{
    private const string Fields = "id status progress { percent } detail { name freshness { fetchedAt stale } }";

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_second_replica_serves_from_redis_what_the_first_fetched_with_one_mget_per_field()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var first = fixture.StartGateway(clock, redis: true);
        await using var second = fixture.StartGateway(clock, redis: true);
        using var metrics = new CacheMeterRecorder(second.Services);
        var ids = await fixture.CreateJobsAsync(100);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {Fields} }} }}";
        await WaitUntilConnectedAsync(first, second);

        var fetched = (await first.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        Assert.Equal(3, (await fixture.UpstreamCallsAsync()).Count);
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 300, "300 entries written");
        await fixture.Redis.FlushStatsAsync();
        await fixture.ClearUpstreamLogAsync();

        var shared = (await second.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();

        Assert.Empty(await fixture.UpstreamCallsAsync());
        Assert.Equal(fetched.Data!.ToJsonString(), shared.Data!.ToJsonString());
        var commands = await fixture.Redis.CommandCallsAsync();
        Assert.Equal(3, commands.GetValueOrDefault("mget"));
        Assert.Equal(0, commands.GetValueOrDefault("get"));
        Assert.Equal(300, metrics.Total("drsgraph.cache.hits", CacheLevels.Redis));
        Assert.Equal(300, metrics.Total("drsgraph.cache.misses", CacheLevels.Memory));
    }

    [Fact]
    public async Task With_redis_up_what_drs_answered_goes_to_redis_and_into_memory_on_its_second_use()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, redis: true);
        using var metrics = new CacheMeterRecorder(gateway.Services);
        var cache = gateway.Services.GetRequiredService<CachingJobDataSource>();
        var ids = await fixture.CreateJobsAsync(20);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {Fields} }} }}";
        await WaitUntilConnectedAsync(gateway);
        await fixture.Redis.FlushStatsAsync();

        var fetched = (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        // The fetch lets go of its keys once Redis has stored them.
        await RedisServer.WaitUntilAsync(() => Task.FromResult(cache.KeysInFlight == 0), "the fetch released its keys");
        var writes = await fixture.Redis.CommandCallsAsync();
        Assert.Equal(60, writes.GetValueOrDefault("set") + writes.GetValueOrDefault("setex") + writes.GetValueOrDefault("psetex"));
        Assert.Equal(60, (await fixture.Redis.DumpAsync()).Count);
        Assert.Equal(0, cache.MemoryStatistics!.CurrentEntryCount);
        Assert.Equal(3, (await fixture.UpstreamCallsAsync()).Count);

        var second = (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        Assert.Equal(60, metrics.Total("drsgraph.cache.hits", CacheLevels.Redis));
        Assert.Equal(60, cache.MemoryStatistics!.CurrentEntryCount);

        await fixture.Redis.FlushStatsAsync();
        var third = (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        Assert.Equal(60, metrics.Total("drsgraph.cache.hits", CacheLevels.Memory));
        Assert.Equal(0, (await fixture.Redis.CommandCallsAsync()).GetValueOrDefault("mget"));
        Assert.Equal(3, (await fixture.UpstreamCallsAsync()).Count);
        Assert.Equal(fetched.Data!.ToJsonString(), second.Data!.ToJsonString());
        Assert.Equal(fetched.Data!.ToJsonString(), third.Data!.ToJsonString());
    }

    [Fact]
    public async Task Redis_holds_neither_the_token_nor_anything_that_reveals_it()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, redis: true);
        var ids = await fixture.CreateJobsAsync(2);
        await WaitUntilConnectedAsync(gateway);

        (await gateway.QueryAsync($"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {Fields} }} }}", CacheFixture.TokenA)).AssertNoErrors();
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 6, "6 entries written");

        var dump = await fixture.Redis.DumpAsync();
        Assert.All(dump, pair =>
        {
            Assert.DoesNotContain(CacheFixture.TokenA, pair.Key, StringComparison.Ordinal);
            Assert.DoesNotContain(CacheFixture.TokenA, pair.Value, StringComparison.Ordinal);
            Assert.DoesNotContain(CacheFixture.Secret, pair.Value, StringComparison.Ordinal);
            Assert.StartsWith($"drsgraph:v2:{{", pair.Key, StringComparison.Ordinal);
            Assert.Contains($":{CacheFixture.Project}:t.", pair.Key, StringComparison.Ordinal);
        });
        // Exactly one key per field and job under the caller's one scope, in the format replicas of every version share
        // (the client writes it as the scope's prefix bytes and the job ID: nothing may be lost or doubled between them).
        var statusKey = Assert.Single(dump.Keys, key => key.EndsWith($"status:{ids[0]}", StringComparison.Ordinal));
        var scope = statusKey[..^$"status:{ids[0]}".Length];
        var expected = ids.SelectMany(id => new[] { "status", "progress", "detail" }.Select(field => $"{scope}{field}:{id}"));
        Assert.Equal(expected.Order(StringComparer.Ordinal), dump.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Replicas_without_a_shared_secret_do_not_share_entries()
    {
        var clock = CacheFixture.NewCacheClock();
        var noSecret = new Dictionary<string, string?> { ["Gateway:Cache:KeySecret"] = null };
        await using var first = fixture.StartGateway(clock, redis: true, settings: noSecret);
        await using var second = fixture.StartGateway(clock, redis: true, settings: noSecret);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status }} }}";
        await WaitUntilConnectedAsync(first, second);

        (await first.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 2, "2 entries written");
        await fixture.ClearUpstreamLogAsync();
        (await second.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();

        Assert.Single(await fixture.UpstreamCallsAsync());
    }

    [Fact]
    public async Task Redis_killed_and_restarted_during_a_burst_of_queries_fails_no_request_and_the_gateway_reconnects()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, redis: true);
        var ids = await fixture.CreateJobsAsync(10);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {Fields} }} }}";
        await WaitUntilConnectedAsync(gateway);

        var answers = new List<GraphQLAnswer>();
        for (var round = 0; round < 30; round++)
        {
            if (round == 10)
            {
                await fixture.Redis.StopProcessAsync();
            }
            else if (round == 20)
            {
                await fixture.Redis.StartProcessAsync();
            }

            // Past every TTL each round, so every query reads Redis, asks DRS and writes Redis.
            clock.Advance(TimeSpan.FromMinutes(1.5));
            answers.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => gateway.QueryAsync(query, CacheFixture.TokenA))));
        }

        Assert.Equal(90, answers.Count);
        Assert.All(answers, answer => answer.AssertNoErrors());

        // Back on its own: new answers land in the restarted Redis.
        await RedisServer.WaitUntilAsync(() => Task.FromResult(gateway.Services.GetRequiredService<RedisJobCache>().IsConnected), "the gateway reconnected");
        await fixture.Redis.FlushAsync();
        clock.Advance(TimeSpan.FromMinutes(1.5));
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 30, "30 entries written after the restart");
    }

    [Fact]
    public async Task A_redis_that_stops_answering_costs_a_request_a_short_timeout_and_drs_answers()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var first = fixture.StartGateway(clock, redis: true);
        await using var second = fixture.StartGateway(clock, redis: true);
        using var metrics = new CacheMeterRecorder(second.Services);
        var ids = await fixture.CreateJobsAsync(5);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {Fields} }} }}";
        await WaitUntilConnectedAsync(first, second);
        (await first.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 15, "15 entries written");
        await fixture.ClearUpstreamLogAsync();

        // Twelve times the 250 ms Redis timeout: room for a slow machine to get the request to Redis meanwhile.
        await fixture.Redis.PauseAsync(TimeSpan.FromSeconds(3));
        var answer = await second.QueryAsync(query, CacheFixture.TokenA);

        answer.AssertNoErrors();
        Assert.Equal(["detail", "progress", "status"], (await fixture.UpstreamCallsAsync()).Select(c => c.Endpoint).Order());
        Assert.Equal(3, metrics.Total("drsgraph.cache.redis.errors", operation: "read"));
        Assert.Equal(0, metrics.Total("drsgraph.cache.hits", CacheLevels.Redis));
    }

    [Fact]
    public async Task An_unreachable_redis_leaves_memory_and_drs_serving()
    {
        var clock = CacheFixture.NewCacheClock();
        var nowhere = new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "127.0.0.1:1,connectTimeout=500" };
        await using var gateway = fixture.StartGateway(clock, redis: true, settings: nowhere);
        var ids = await fixture.CreateJobsAsync(5);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {Fields} }} }}";

        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await fixture.ClearUpstreamLogAsync();
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();

        Assert.False(gateway.Services.GetRequiredService<RedisJobCache>().IsConnected);
        Assert.Empty(await fixture.UpstreamCallsAsync());
    }

    /// <remarks>
    /// Redis is outside the process: an entry written there by hand was served as it said. One dated fresh until 2099 was
    /// served (and kept in memory) until the process restarted; another job's detail under this job's key answered for it.
    /// </remarks>
    [Fact]
    public async Task An_entry_in_redis_that_cannot_be_its_keys_is_not_served()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var first = fixture.StartGateway(clock, redis: true);
        await using var second = fixture.StartGateway(clock, redis: true);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id detail {{ id name freshness {{ fetchedAt }} }} }} }}";
        await WaitUntilConnectedAsync(first, second);
        var truth = (await first.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 2, "2 entries written");
        var dump = await fixture.Redis.DumpAsync();
        var keyA = Assert.Single(dump.Keys, key => key.EndsWith($"detail:{ids[0]}", StringComparison.Ordinal));
        var keyB = Assert.Single(dump.Keys, key => key.EndsWith($"detail:{ids[1]}", StringComparison.Ordinal));
        // Sealed with the replicas' secret (as only a holder of it could): the checks behind the seal still refuse them.
        var seal = new RedisSeal(Encoding.UTF8.GetBytes(CacheFixture.Secret));
        var forever = System.Text.Json.Nodes.JsonNode.Parse(Opened(seal, keyA, dump[keyA]))!;
        forever["freshUntil"] = "2099-01-01T00:00:00+00:00";
        forever["staleUntil"] = "2099-01-01T00:00:00+00:00";
        await fixture.Redis.WithServerAsync(async (_, db) =>
        {
            await db.StringSetAsync(keyA, seal.Seal(keyA, Encoding.UTF8.GetBytes(forever.ToJsonString())));
            // Job A's own (plausible) entry under job B's key.
            return await db.StringSetAsync(keyB, seal.Seal(keyB, Encoding.UTF8.GetBytes(Opened(seal, keyA, dump[keyA]))));
        });
        await fixture.ClearUpstreamLogAsync();

        var answer = (await second.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();

        // Both asked of DRS again: the same answers as the first replica got, each job its own detail.
        Assert.Equal(truth.Data!["jobs"]!.AsArray().Select(j => j!["detail"]!["name"]!.GetValue<string>()), answer.Data!["jobs"]!.AsArray().Select(j => j!["detail"]!["name"]!.GetValue<string>()));
        Assert.All(answer.Data["jobs"]!.AsArray(), job => Assert.Equal(job!["id"]!.GetValue<string>(), job["detail"]!["id"]!.GetValue<string>()));
        Assert.Single(await fixture.UpstreamCallsAsync(), call => call.Endpoint == "detail");
    }

    /// <remarks>
    /// Without a seal, anyone who could write to Redis could copy one caller's entry under another caller's key (a job that
    /// caller may not be allowed to read, answered without DRS) or change what an entry says. An entry opens only under
    /// the key it was sealed for, with the replicas' secret.
    /// </remarks>
    [Fact]
    public async Task An_entry_moved_to_another_callers_key_or_altered_in_redis_is_not_served()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var first = fixture.StartGateway(clock, redis: true);
        await using var second = fixture.StartGateway(clock, redis: true, captureLogs: true);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id detail {{ id name }} }} }}";
        await WaitUntilConnectedAsync(first, second);
        var truth = (await first.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 2, "2 entries written");
        var keyA = Assert.Single((await fixture.Redis.DumpAsync()).Keys, key => key.EndsWith($"detail:{ids[0]}", StringComparison.Ordinal));
        (await first.QueryAsync(query, CacheFixture.TokenA2)).AssertNoErrors();
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 4, "4 entries written");
        var dump = await fixture.Redis.DumpAsync();
        var keyA2 = Assert.Single(dump.Keys, key => key != keyA && key.EndsWith($"detail:{ids[0]}", StringComparison.Ordinal));
        var altered = dump[keyA].Replace(truth.Data!["jobs"]![0]!["detail"]!["name"]!.GetValue<string>(), "forged", StringComparison.Ordinal);
        Assert.NotEqual(dump[keyA], altered);
        await fixture.Redis.WithServerAsync(async (_, db) =>
        {
            // One caller's genuine entry under the other's key, and the first caller's entry with its name changed.
            await db.StringSetAsync(keyA2, dump[keyA]);
            return await db.StringSetAsync(keyA, altered);
        });
        await fixture.ClearUpstreamLogAsync();

        var answers = new[]
        {
            (await second.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors(),
            (await second.QueryAsync(query, CacheFixture.TokenA2)).AssertNoErrors(),
        };

        // Each caller's first job was asked of DRS again (its second came from Redis), and nothing forged was served.
        Assert.All(answers, answer => Assert.Equal(truth.Data.ToJsonString(), answer.Data!.ToJsonString()));
        var calls = await fixture.UpstreamCallsAsync();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, call =>
        {
            Assert.Equal("detail", call.Endpoint);
            Assert.Equal([ids[0]], call.JobIds!);
        });
        Assert.Equal(1, second.Logs.Count("entry without this gateway's seal for its key was ignored"));
    }

    /// <remarks>
    /// When the request budget ran out, the fallback looked in process memory only, and with Redis a first answer goes to
    /// Redis only: the caller got UPSTREAM_TIMEOUT where a gateway without Redis served the stale value.
    /// </remarks>
    [Fact]
    public async Task A_stale_entry_from_redis_answers_when_the_request_budget_runs_out_first()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, redis: true, settings: new Dictionary<string, string?> { ["Gateway:RequestTimeout"] = "00:00:01" });
        var ids = await fixture.CreateJobsAsync(1);
        var query = $"{{ job(id: \"{ids[0]}\") {{ detail {{ name freshness {{ stale }} }} }} }}";
        await WaitUntilConnectedAsync(gateway);
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 1, "1 entry written");

        clock.Advance(TimeSpan.FromMinutes(2));
        var answer = await fixture.QueryDuringFaultsAsync(gateway, new { hangRate = 1.0 }, query);

        answer.AssertNoErrors();
        Assert.True(answer.Data!["job"]!["detail"]!["freshness"]!["stale"]!.GetValue<bool>());
    }

    /// <remarks>
    /// With Redis, a newer status a job list found went to Redis only: this replica's older copy in memory went on answering
    /// until its TTL, beside the list's new one in the same answer.
    /// </remarks>
    [Fact]
    public async Task A_newer_status_from_a_job_list_replaces_this_replicas_copy_in_memory()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, redis: true);
        var ids = await fixture.CreateJobsAsync(1);
        var query = $"{{ job(id: \"{ids[0]}\") {{ status }} }}";
        await WaitUntilConnectedAsync(gateway);
        (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 1, "1 entry written");
        // Read from Redis: now in this replica's memory too.
        Assert.Equal("FULL_TRANSFER_STARTED", (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors().Data!["job"]!["status"]!.GetValue<string>());

        (await fixture.Emulator.Control.PostAsJsonAsync($"/_emulator/jobs/{ids[0]}/transition", new { status = "PAUSING", frozen = true })).EnsureSuccessStatusCode();
        var listed = (await gateway.QueryAsync("{ projectJobs(first: 50, where: { status: { eq: PAUSING } }) { nodes { id status } } }", CacheFixture.TokenA)).AssertNoErrors();
        var after = (await gateway.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();

        Assert.Contains(listed.Data!["projectJobs"]!["nodes"]!.AsArray(), node => node!["id"]!.GetValue<string>() == ids[0]);
        Assert.Equal("PAUSING", after.Data!["job"]!["status"]!.GetValue<string>());
    }

    /// <remarks>
    /// A revoked token kept reading from Redis: after DRS refused it, an outage still served it the entries it had
    /// fetched, marked stale, from any replica. A refusal deletes them.
    /// </remarks>
    [Fact]
    public async Task After_drs_refused_a_token_its_entries_leave_redis_and_an_outage_serves_it_nothing()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var first = fixture.StartGateway(clock, redis: true);
        await using var second = fixture.StartGateway(clock, redis: true);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ detail {{ name freshness {{ stale }} }} }} }}";
        await WaitUntilConnectedAsync(first, second);
        (await first.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 2, "2 entries written");

        clock.Advance(TimeSpan.FromMinutes(2));
        var refused = await fixture.QueryDuringFaultsAsync(second, new { failureRate = 1.0, failureStatus = 401, failureCode = "APIGW.0301" }, query);
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 0, "the refused token's entries deleted");
        var outage = await fixture.QueryDuringFaultsAsync(first, new { failureRate = 1.0, failureStatus = 503, failureCode = "DRS.M00004" }, query);

        Assert.NotEmpty(refused.Codes);
        Assert.All(refused.Data!["jobs"]!.AsArray(), job => Assert.Null(job!["detail"]));
        Assert.NotEmpty(outage.Codes);
        Assert.All(outage.Codes, code => Assert.Equal("UPSTREAM_UNAVAILABLE", code));
        Assert.All(outage.Data!["jobs"]!.AsArray(), job => Assert.Null(job!["detail"]));
    }

    [Fact]
    public async Task A_stale_entry_from_redis_is_served_when_drs_fails_on_another_replica()
    {
        var clock = CacheFixture.NewCacheClock();
        await using var first = fixture.StartGateway(clock, redis: true);
        await using var second = fixture.StartGateway(clock, redis: true);
        var ids = await fixture.CreateJobsAsync(2);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ detail {{ name freshness {{ fetchedAt stale }} }} }} }}";
        await WaitUntilConnectedAsync(first, second);
        (await first.QueryAsync(query, CacheFixture.TokenA)).AssertNoErrors();
        await RedisServer.WaitUntilAsync(async () => (await fixture.Redis.DumpAsync()).Count == 2, "2 entries written");

        clock.Advance(TimeSpan.FromMinutes(2));
        var answer = await fixture.QueryDuringFaultsAsync(second, new { failureRate = 1.0, failureStatus = 503, failureCode = "DRS.M00004" }, query);

        answer.AssertNoErrors();
        Assert.All(answer.Data!["jobs"]!.AsArray(), job => Assert.True(job!["detail"]!["freshness"]!["stale"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task A_full_redis_fails_every_write_and_the_log_says_so_once_a_second_not_once_a_write()
    {
        // maxmemory 1 byte with the default noeviction policy: every SET is refused with OOM, as a full Redis refuses
        // them. Each caller's cold fetch is a write round of its own; each failed round was a Warning line.
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, redis: true, captureLogs: true);
        var ids = await fixture.CreateJobsAsync(5);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {Fields} }} }}";
        await WaitUntilConnectedAsync(gateway);
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{fixture.Redis.ConnectionString},allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await server.ConfigSetAsync("maxmemory", "1");
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            foreach (var token in CacheFixture.ManyTokensOfA)
            {
                (await gateway.QueryAsync(query, token)).AssertNoErrors();
            }

            await gateway.Logs.WaitForAsync("Redis write of", 1);
            // The last rounds' refusals arrive within milliseconds; a second more lets every one be counted.
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        finally
        {
            await server.ConfigSetAsync("maxmemory", "0");
        }

        elapsed.Stop();
        var lines = gateway.Logs.Count("Redis write of");
        Assert.InRange(lines, 1, (int)Math.Ceiling(elapsed.Elapsed.TotalSeconds) + 1);
        Assert.InRange(lines, 1, CacheFixture.ManyTokensOfA.Count / 4);
        Assert.Contains("OOM", gateway.Logs.All, StringComparison.Ordinal);
        Assert.Empty(await fixture.Redis.DumpAsync());
    }

    [Fact]
    public async Task Many_callers_writing_at_once_store_each_answer_under_its_own_key()
    {
        // Forty callers' writes share the queue's rounds and the client's pipeline: every stored entry must be whole and
        // under its own key (a detail its own job's). A values' buffer pool tried on 2026-12-06 and not kept failed
        // this when buffers went back before their SETs were sent (bench/README.md, 2026-12-06 19:00).
        var clock = CacheFixture.NewCacheClock();
        await using var gateway = fixture.StartGateway(clock, redis: true);
        var cache = gateway.Services.GetRequiredService<CachingJobDataSource>();
        var ids = await fixture.CreateJobsAsync(20);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {Fields} }} }}";
        await WaitUntilConnectedAsync(gateway);

        var answers = await Task.WhenAll(CacheFixture.ManyTokensOfA.Select(token => gateway.QueryAsync(query, token)));
        Assert.All(answers, answer => answer.AssertNoErrors());
        await RedisServer.WaitUntilAsync(() => Task.FromResult(cache.KeysInFlight == 0), "every fetch released its keys");

        var dump = await fixture.Redis.DumpAsync();
        var seal = new RedisSeal(Encoding.UTF8.GetBytes(CacheFixture.Secret));
        Assert.Equal(CacheFixture.ManyTokensOfA.Count * 20 * 3, dump.Count);
        foreach (var (key, value) in dump)
        {
            var entry = System.Text.Json.Nodes.JsonNode.Parse(Opened(seal, key, value))!;
            Assert.NotNull(entry["value"]);
            var jobId = key[(key.LastIndexOf(':') + 1)..];
            if (key.EndsWith($"detail:{jobId}", StringComparison.Ordinal))
            {
                Assert.Equal(jobId, entry["value"]!["id"]!.GetValue<string>());
            }
        }
    }

    /// <summary>The JSON of an entry as Redis holds it, after checking its seal is the replicas' for <paramref name="key"/>.</summary>
    private static string Opened(RedisSeal seal, string key, string stored)
    {
        var bytes = Encoding.UTF8.GetBytes(stored);
        var length = seal.Open(key, bytes);
        Assert.True(length >= 0, $"the entry under {key} does not carry the replicas' seal for its key");
        return Encoding.UTF8.GetString(bytes, 0, length);
    }

    private static Task WaitUntilConnectedAsync(params GatewayHost[] gateways)
    {
        // The connection is made in the background after start; the tests that count Redis traffic need it up.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        return Task.Run(async () =>
        {
            while (!gateways.All(g => g.Services.GetRequiredService<RedisJobCache>().IsConnected))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("A gateway never connected to Redis.");
                }

                await Task.Delay(20);
            }
        });
    }
}
