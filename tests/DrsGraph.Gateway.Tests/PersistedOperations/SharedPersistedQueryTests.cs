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
