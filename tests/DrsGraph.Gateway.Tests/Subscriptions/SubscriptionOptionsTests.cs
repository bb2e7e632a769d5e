using DrsGraph.Gateway.Subscriptions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Tests.Subscriptions;

/// <summary>
/// <c>Gateway:Subscriptions:LeaseDuration</c>: two of the shortest ticks, at least 2 s, unless set (the holder's heartbeat keeps
/// it through long ticks, so it no longer follows <c>MaxTick</c>), and never so short that a heartbeat is a busy loop.
/// </summary>
public sealed class SubscriptionOptionsTests
{
    [Fact]
    public void The_lease_lasts_two_shortest_ticks_and_at_least_two_seconds_unless_set()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), OptionsWith().EffectiveLeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(2), OptionsWith(("Gateway:Subscriptions:MaxTick", "00:01:00")).EffectiveLeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(2), OptionsWith(("Gateway:Subscriptions:MinTick", "00:00:00.200")).EffectiveLeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(6), OptionsWith(("Gateway:Subscriptions:MinTick", "00:00:03")).EffectiveLeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(15), OptionsWith(("Gateway:Subscriptions:LeaseDuration", "00:00:15")).EffectiveLeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(1), OptionsWith(("Gateway:Subscriptions:LeaseDuration", "00:00:01")).EffectiveLeaseDuration);
    }

    [Fact]
    public void A_holder_is_silent_at_most_its_longest_tick_and_a_whole_poll_budget_and_a_lease()
    {
        Assert.Equal(TimeSpan.FromSeconds(22), OptionsWith().HolderSilence);
        Assert.Equal(TimeSpan.FromSeconds(65), OptionsWith(("Gateway:Subscriptions:MaxTick", "00:01:00"), ("Gateway:Subscriptions:PollTimeout", "00:00:02"), ("Gateway:Subscriptions:LeaseDuration", "00:00:03")).HolderSilence);
    }

    [Fact]
    public void The_replica_s_watched_jobs_ceiling_is_never_below_one_caller_s()
    {
        Assert.Equal(20_000, OptionsWith().EffectiveMaxJobsPerReplica);
        Assert.Equal(100_000, OptionsWith(("Gateway:Subscriptions:MaxJobsPerCaller", "100000")).EffectiveMaxJobsPerReplica);
        Assert.Equal(50_000, OptionsWith(("Gateway:Subscriptions:MaxJobsPerReplica", "50000")).EffectiveMaxJobsPerReplica);
    }

    [Fact]
    public void The_replica_s_subscriptions_ceiling_is_never_below_one_caller_s()
    {
        Assert.Equal(10_000, OptionsWith().EffectiveMaxSubscriptionsPerReplica);
        Assert.Equal(1_000, OptionsWith().MaxSubscriptionsPerCaller);
        Assert.Equal(50_000, OptionsWith(("Gateway:Subscriptions:MaxSubscriptionsPerCaller", "50000")).EffectiveMaxSubscriptionsPerReplica);
        Assert.Equal(30_000, OptionsWith(("Gateway:Subscriptions:MaxSubscriptionsPerReplica", "30000")).EffectiveMaxSubscriptionsPerReplica);
    }

    [Theory]
    [InlineData("00:00:00.299")]
    [InlineData("00:00:00")]
    [InlineData("-00:00:05")]
    public void A_lease_shorter_than_300_ms_is_refused(string lease)
    {
        var error = Assert.Throws<OptionsValidationException>(() => OptionsWith(("Gateway:Subscriptions:LeaseDuration", lease)));

        Assert.Contains("LeaseDuration", error.Message, StringComparison.Ordinal);
    }

    private static SubscriptionOptions OptionsWith(params (string Key, string? Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Test" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value)));
        builder.AddJobSubscriptions();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<SubscriptionOptions>>().Value;
    }
}
