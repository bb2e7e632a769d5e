using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Subscriptions;

/// <summary>The rig with a real Redis as the cache's shared level.</summary>
public sealed class RedisSubscriptionRig : SubscriptionRig
{
    private RedisServer? _redis;

    protected override IEnumerable<(string Key, string? Value)> Settings =>
        [("ConnectionStrings:Redis", _redis!.ConnectionString)];

    protected override async Task BeforeStartAsync() => _redis = await RedisServer.StartAsync();

    protected override async Task AfterStopAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

public sealed class RedisFallbackTests(RedisSubscriptionRig rig) : IClassFixture<RedisSubscriptionRig>
{
    [Fact]
    public async Task With_Redis_an_upstream_failure_still_gives_a_stale_marked_event()
    {
        // With Redis up, process memory holds only what is asked twice: the poll's answers live in Redis,
        // and the fallback for a failed refresh must come from there.
        var ids = await rig.CreateJobsAsync(1);
        using var subscription = await rig.SubscribeAsync(
            "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { status statusFreshness { stale } } changes } }", new { ids });
        var initial = await subscription.NextAsync();
        Assert.False(initial["data"]!["jobUpdates"]!["job"]!["statusFreshness"]!["stale"]!.GetValue<bool>());
        // Let the write-back reach Redis before DRS fails.
        await rig.WaitForTicksAsync(2);

        await rig.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 503, endpoints = new[] { "status" } });
        try
        {
            var stale = await subscription.NextAsync();
            Assert.Null(stale["errors"]);
            Assert.True(stale["data"]!["jobUpdates"]!["job"]!["statusFreshness"]!["stale"]!.GetValue<bool>());
            Assert.False(subscription.IsCompleted);
        }
        finally
        {
            await rig.ClearFaultsAsync();
        }
    }
}
