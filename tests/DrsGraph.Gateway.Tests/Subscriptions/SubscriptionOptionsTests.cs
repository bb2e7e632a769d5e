using DrsGraph.Gateway.Subscriptions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Tests.Subscriptions;

/// <summary><c>Gateway:Subscriptions:LeaseDuration</c>: twice <c>MaxTick</c> unless set, and never so short that the holder loses it between polls.</summary>
public sealed class SubscriptionOptionsTests
{
    [Fact]
    public void The_lease_lasts_two_longest_ticks_unless_set()
    {
        Assert.Equal(TimeSpan.FromSeconds(20), OptionsWith().EffectiveLeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(6), OptionsWith(("Gateway:Subscriptions:MaxTick", "00:00:03")).EffectiveLeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(15), OptionsWith(("Gateway:Subscriptions:LeaseDuration", "00:00:15")).EffectiveLeaseDuration);
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
    [InlineData("00:00:10")]
    [InlineData("00:00:05")]
    public void A_lease_no_longer_than_the_longest_tick_is_refused(string lease)
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
