using DrsGraph.Gateway.Errors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DrsGraph.Gateway.Tests.Subscriptions;

/// <summary>A caller allowed 3 watched jobs in all.</summary>
public sealed class SmallLimitsRig : SubscriptionRig
{
    protected override IEnumerable<(string Key, string? Value)> Settings =>
        [("Gateway:Subscriptions:MaxJobsPerSubscription", "3"), ("Gateway:Subscriptions:MaxJobsPerCaller", "3")];
}

/// <summary>A caller allowed 2 open subscriptions, a replica 3 over all its callers.</summary>
public sealed class SubscriptionCountRig : SubscriptionRig
{
    protected override IEnumerable<(string Key, string? Value)> Settings =>
        [("Gateway:Subscriptions:MaxSubscriptionsPerCaller", "2"), ("Gateway:Subscriptions:MaxSubscriptionsPerReplica", "3")];
}

public sealed class SubscriptionCountTests(SubscriptionCountRig rig) : IClassFixture<SubscriptionCountRig>
{
    private const string Query = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { status } changes } }";

    [Fact]
    public async Task Subscriptions_past_the_caller_s_and_the_replica_s_count_are_refused_until_others_end()
    {
        var ids = await rig.CreateJobsAsync(1);
        using var a1 = await rig.SubscribeAsync(Query, new { ids });
        using var a2 = await rig.SubscribeAsync(Query, new { ids });
        await a1.NextAsync();
        await a2.NextAsync();

        using var a3 = await rig.SubscribeAsync(Query, new { ids });
        AssertRefused(a3, "Gateway:Subscriptions:MaxSubscriptionsPerCaller");

        using var b1 = await rig.SubscribeAsync(Query, new { ids }, token: SubscriptionRig.OtherToken);
        await b1.NextAsync();
        using var b2 = await rig.SubscribeAsync(Query, new { ids }, token: SubscriptionRig.OtherToken);
        AssertRefused(b2, "Gateway:Subscriptions:MaxSubscriptionsPerReplica");

        a1.Dispose();
        using var b3 = await rig.SubscribeAsync(Query, new { ids }, token: SubscriptionRig.OtherToken);
        Assert.True(b3.Started);
        await b3.NextAsync();
    }

    private static void AssertRefused(SubscriptionUnderTest refused, string setting)
    {
        Assert.False(refused.Started);
        var error = Assert.Single(refused.Errors)!;
        Assert.Equal(GatewayErrorCodes.TooManySubscriptions, error["extensions"]!["code"]!.GetValue<string>());
        Assert.Contains(setting, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

/// <summary>A replica allowed 4 watched jobs over all its callers, each caller 3.</summary>
public sealed class ReplicaLimitRig : SubscriptionRig
{
    protected override IEnumerable<(string Key, string? Value)> Settings =>
        [("Gateway:Subscriptions:MaxJobsPerSubscription", "3"), ("Gateway:Subscriptions:MaxJobsPerCaller", "3"), ("Gateway:Subscriptions:MaxJobsPerReplica", "4")];
}

public sealed class ReplicaLimitTests(ReplicaLimitRig rig) : IClassFixture<ReplicaLimitRig>
{
    private const string Query = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { status } changes } }";

    [Fact]
    public async Task Callers_together_past_the_replica_s_watched_jobs_limit_are_refused_until_others_end()
    {
        var ids = await rig.CreateJobsAsync(3);
        using (var first = await rig.SubscribeAsync(Query, new { ids }))
        {
            await first.NextAsync(3);

            // Another token is within its own allowance, but the replica's is spent past one more job.
            using var refused = await rig.SubscribeAsync(Query, new { ids = ids.Take(2).ToArray() }, token: SubscriptionRig.OtherToken);
            Assert.False(refused.Started);
            var error = Assert.Single(refused.Errors)!;
            Assert.Equal(GatewayErrorCodes.TooManyWatchedJobs, error["extensions"]!["code"]!.GetValue<string>());
            Assert.Contains("Gateway:Subscriptions:MaxJobsPerReplica", error["message"]!.GetValue<string>(), StringComparison.Ordinal);

            using var one = await rig.SubscribeAsync(Query, new { ids = ids.Take(1).ToArray() }, token: SubscriptionRig.OtherToken);
            Assert.True(one.Started);
            await one.NextAsync(1);
        }

        await rig.NoSubscriptionsLeftAsync();
        using var again = await rig.SubscribeAsync(Query, new { ids }, token: SubscriptionRig.OtherToken);
        Assert.True(again.Started);
        await again.NextAsync(3);
    }
}

public sealed class LimitsAndShutdownTests(SmallLimitsRig rig) : IClassFixture<SmallLimitsRig>
{
    private const string Query = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { status } changes } }";

    [Fact]
    public async Task A_caller_past_its_watched_jobs_limit_is_refused_until_its_other_subscriptions_end()
    {
        var ids = (await rig.CreateJobsAsync(4)).ToArray();
        using (var first = await rig.SubscribeAsync(Query, new { ids = ids[..2] }))
        {
            await first.NextAsync(2);

            // A job another of the caller's subscriptions watches counts once (they share its poll): 3 distinct jobs.
            using var overlapping = await rig.SubscribeAsync(Query, new { ids = ids[1..3] });
            Assert.True(overlapping.Started);
            await overlapping.NextAsync(2);

            using var refused = await rig.SubscribeAsync(Query, new { ids = ids[1..] });
            Assert.False(refused.Started);
            var error = Assert.Single(refused.Errors)!;
            Assert.Equal(GatewayErrorCodes.TooManyWatchedJobs, error["extensions"]!["code"]!.GetValue<string>());
            Assert.Contains("3 are watched and 1 more were asked", error["message"]!.GetValue<string>(), StringComparison.Ordinal);

            // Another token has its own allowance.
            using var other = await rig.SubscribeAsync(Query, new { ids = ids[..3] }, token: SubscriptionRig.OtherToken);
            Assert.True(other.Started);
            await other.NextAsync(3);
        }

        await rig.NoSubscriptionsLeftAsync();
        using var again = await rig.SubscribeAsync(Query, new { ids = ids[1..] });
        Assert.True(again.Started);
        await again.NextAsync(3);
    }

    [Fact]
    public async Task Many_subscriptions_of_the_same_jobs_count_those_jobs_once()
    {
        var ids = await rig.CreateJobsAsync(3);
        var watching = new List<SubscriptionUnderTest>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var subscription = await rig.SubscribeAsync(Query, new { ids });
                watching.Add(subscription);
                Assert.True(subscription.Started, $"subscription {i + 1} of the same 3 jobs was refused");
                await subscription.NextAsync(3);
            }
        }
        finally
        {
            watching.ForEach(subscription => subscription.Dispose());
        }

        await rig.NoSubscriptionsLeftAsync();
    }

    [Fact]
    public async Task Stopping_the_host_completes_every_stream_and_refuses_new_ones()
    {
        var host = new ShutdownRig();
        await host.InitializeAsync();
        try
        {
            await StopAndCheckAsync(host);
        }
        finally
        {
            host.ReleaseShutdown();
            await host.DisposeAsync();
        }
    }

    private static async Task StopAndCheckAsync(ShutdownRig host)
    {
        var ids = await host.CreateJobsAsync(2);
        using var a = await host.SubscribeAsync(Query, new { ids });
        using var b = await host.SubscribeAsync(Query, new { ids = ids.Take(1).ToArray() }, token: SubscriptionRig.OtherToken);
        await a.NextAsync(2);
        await b.NextAsync();

        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await a.CompletedAsync();
        await b.CompletedAsync();
        Assert.Equal(0, a.Pending);
        Assert.Equal(0, b.Pending);

        // Still inside the shutdown (ShutdownRig holds it open), so the refusal is the hub's, not a disposed host's.
        using var late = await host.SubscribeAsync(Query, new { ids });
        Assert.False(late.Started);
        Assert.Equal(GatewayErrorCodes.ShuttingDown, Assert.Single(late.Errors)!["extensions"]!["code"]!.GetValue<string>());
    }

    /// <summary>
    /// A rig whose host cannot finish stopping until the test says so: once the host has stopped its services
    /// are disposed, and a late subscription would race that instead of meeting the hub's refusal.
    /// </summary>
    private sealed class ShutdownRig : SubscriptionRig
    {
        private readonly ShutdownHold _hold = new();

        public void ReleaseShutdown() => _hold.Release();

        protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IHostedService>(_hold);
    }

    private sealed class ShutdownHold : IHostedService
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        // Waits for the test, but never past the host's own shutdown timeout.
        public Task StopAsync(CancellationToken cancellationToken) => _released.Task.WaitAsync(cancellationToken);
    }
}
