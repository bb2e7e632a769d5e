using DrsGraph.Gateway.Tests.Infrastructure;
using static DrsGraph.Gateway.Tests.PersistedOperations.PersistedOperationsFixture;

namespace DrsGraph.Gateway.Tests.PersistedOperations;

/// <summary>Two replicas sharing one real redis-server: a hash registered on one is found by the other.</summary>
public sealed class SharedPersistedQueryTests(PersistedOperationsFixture fixture) : IClassFixture<PersistedOperationsFixture>
{
    [Fact]
    public async Task A_hash_registered_on_one_replica_runs_on_another_from_redis()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var first = fixture.Gateway().WithRedis(redis, "persisted-tests-key-secret-0123456789").Start();
        await using var second = fixture.Gateway().WithRedis(redis, "persisted-tests-key-secret-0123456789").Start();
        using var metrics = new PersistedMeterRecorder(second.Services);
        var query = FreshQuery();
        var hash = Sha256(query);

        (await PostAsync(first, new { query, extensions = Extensions(hash) })).AssertNoErrors();
        var stored = await redis.DumpAsync();
        var fromRedis = (await PostAsync(second, new { extensions = Extensions(hash) })).AssertNoErrors();
        var fromMemory = (await PostAsync(second, new { extensions = Extensions(hash) })).AssertNoErrors();

        Assert.Equal(query, stored[$"drsgraph:apq:{hash}"]);
        Assert.Equal(JobId, (string?)fromRedis.Data!["job"]!["id"]);
        Assert.Equal(fromRedis.Data.ToJsonString(), fromMemory.Data!.ToJsonString());
        Assert.Equal(1, metrics.Total("drsgraph.persisted.hits", "redis"));
        Assert.Equal(1, metrics.Total("drsgraph.persisted.hits", "memory"));
    }

    /// <remarks>
    /// A text written into Redis by hand under a hash ran for every client asking by that hash: what Redis holds was not
    /// checked against its hash, as a registration's text is.
    /// </remarks>
    [Fact]
    public async Task A_text_in_redis_that_does_not_have_its_hash_is_not_run_and_the_client_registers_again()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateway = fixture.Gateway().WithRedis(redis, "persisted-tests-key-secret-0123456789").CaptureLogs().Start();
        var query = FreshQuery();
        var hash = Sha256(query);
        await redis.WithServerAsync(async (_, db) => await db.StringSetAsync($"drsgraph:apq:{hash}", "{ __typename }"));

        var forged = await PostAsync(gateway, new { extensions = Extensions(hash) });
        var registered = await PostAsync(gateway, new { query, extensions = Extensions(hash) });
        var byHash = await PostAsync(gateway, new { extensions = Extensions(hash) });

        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], forged.Codes);
        registered.AssertNoErrors();
        Assert.Equal(JobId, (string?)byHash.AssertNoErrors().Data!["job"]!["id"]);
        Assert.Equal(query, (await redis.DumpAsync())[$"drsgraph:apq:{hash}"]);
        Assert.Equal(1, gateway.Logs.Count("does not have that hash; not run"));
    }

    /// <remarks>
    /// Every persisted-query request of an outage logged its own Warning ("Redis write failed" / "Redis read failed"),
    /// though an outage is one fault (and the readiness check already reports it).
    /// </remarks>
    [Fact]
    public async Task A_redis_outage_is_logged_once_by_the_store_however_many_requests_meet_it()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateway = fixture.Gateway().WithRedis(redis, "persisted-tests-key-secret-0123456789").CaptureLogs().Start();
        var before = FreshQuery();
        (await PostAsync(gateway, new { query = before, extensions = Extensions(Sha256(before)) })).AssertNoErrors();

        await redis.StopProcessAsync();
        for (var i = 0; i < 3; i++)
        {
            var query = FreshQuery();
            (await PostAsync(gateway, new { query, extensions = Extensions(Sha256(query)) })).AssertNoErrors();
            var unknown = await PostAsync(gateway, new { extensions = Extensions(Sha256(FreshQuery())) });
            Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], unknown.Codes);
        }

        var warnings = gateway.Logs.Entries.Where(e => e.StartsWith("Warning ", StringComparison.Ordinal) && e.Contains("Persisted query store: Redis", StringComparison.Ordinal));
        Assert.Single(warnings);
    }

    /// <remarks>Before, each lookup and registration of an outage waited in the Redis client's backlog for the whole RedisTimeout.</remarks>
    [Fact]
    public async Task During_a_redis_outage_lookups_do_not_wait_for_the_redis_timeout()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateway = fixture.Gateway().WithRedis(redis, "persisted-tests-key-secret-0123456789")
            .WithSetting("Gateway:PersistedOperations:RedisTimeout", "00:00:08").Start();
        var before = FreshQuery();
        (await PostAsync(gateway, new { query = before, extensions = Extensions(Sha256(before)) })).AssertNoErrors();

        await redis.StopProcessAsync();
        // The first request may meet the outage before the client has seen it; the later ones must not wait for Redis.
        await PostAsync(gateway, new { extensions = Extensions(Sha256(FreshQuery())) });
        await Task.Delay(500);
        for (var i = 0; i < 3; i++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var unknown = await PostAsync(gateway, new { extensions = Extensions(Sha256(FreshQuery())) });
            Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], unknown.Codes);
            Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(4), "a lookup waited for Redis during its outage");
        }
    }

    [Fact]
    public async Task A_custom_key_prefix_prefixes_the_stored_hash_too()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var first = fixture.Gateway().WithRedis(redis, "persisted-tests-key-secret-0123456789").WithSetting("Gateway:Cache:KeyPrefix", "tenant-a").Start();
        await using var second = fixture.Gateway().WithRedis(redis, "persisted-tests-key-secret-0123456789").WithSetting("Gateway:Cache:KeyPrefix", "tenant-a").Start();
        await using var otherDeployment = fixture.Gateway().WithRedis(redis, "persisted-tests-key-secret-0123456789").Start();
        var query = FreshQuery();
        var hash = Sha256(query);

        (await PostAsync(first, new { query, extensions = Extensions(hash) })).AssertNoErrors();
        var stored = await redis.DumpAsync();
        var sameDeployment = await PostAsync(second, new { extensions = Extensions(hash) });
        var elsewhere = await PostAsync(otherDeployment, new { extensions = Extensions(hash) });

        Assert.Equal(query, stored[$"tenant-a:apq:{hash}"]);
        Assert.DoesNotContain(stored.Keys, key => key.StartsWith("drsgraph:", StringComparison.Ordinal));
        Assert.Equal(JobId, (string?)sameDeployment.AssertNoErrors().Data!["job"]!["id"]);
        // The default prefix's deployment does not see another prefix's documents.
        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], elsewhere.Codes);
    }

    [Fact]
    public async Task Without_redis_an_unknown_hash_on_another_replica_is_a_miss_the_client_recovers_from()
    {
        await using var first = fixture.Gateway().Start();
        await using var second = fixture.Gateway().Start();
        var query = FreshQuery();
        var hash = Sha256(query);

        (await PostAsync(first, new { query, extensions = Extensions(hash) })).AssertNoErrors();
        var miss = await PostAsync(second, new { extensions = Extensions(hash) });

        Assert.Equal(["PERSISTED_QUERY_NOT_FOUND"], miss.Codes);
    }
}
