using DrsGraph.Gateway.Observability;
using DrsGraph.Gateway.Tests.Regions;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>
/// Two gateways in one process (two tests' gateways; a replica's start-up copies are gone before its provider is
/// built): the meters each makes from its own meter factory (cache, subscriptions, persisted operations) are its own.
/// OpenTelemetry matched meters by name only, so one gateway's /metrics counted the other's lookups, and when the other
/// stopped (disposing its meters) these counters vanished from this gateway's /metrics for good: the cause of
/// RegionTests' flaky Redis-level miss under parallel runs.
/// </summary>
public sealed class MeterIsolationTests
{
    private const string Misses = "drsgraph_cache_misses_total{";

    [Fact]
    public async Task A_gateway_s_cache_counters_are_its_own_and_outlive_another_gateway_in_the_process()
    {
        await using var replica = await TwoRegionRig.StartAsync();
        await ReadNewJobAsync(replica);
        Assert.Equal(1, await MissesAsync(replica));

        var other = await TwoRegionRig.StartAsync();
        await ReadNewJobAsync(other);
        await ReadNewJobAsync(other);
        Assert.Equal(1, await MissesAsync(replica));
        Assert.Equal(2, await MissesAsync(other));
        await other.DisposeAsync();

        await ReadNewJobAsync(replica);
        Assert.Equal(2, await MissesAsync(replica));
    }

    private static async Task ReadNewJobAsync(TwoRegionRig rig)
    {
        var id = (await rig.Away.CreateJobsAsync(1, project: TwoRegionRig.AwayProject))[0];
        (await rig.QueryAsync($"{{ job(id: \"{id}\", region: \"{TwoRegionRig.AwayRegion}\") {{ status }} }}")).AssertNoErrors();
    }

    // The memory level's misses of the status field in the away region, as this gateway's /metrics shows them.
    private static async Task<long> MissesAsync(TwoRegionRig rig)
    {
        var text = await rig.Gateway.Client.GetStringAsync(ObservabilityExtensions.MetricsPath);
        var line = text.Split('\n').SingleOrDefault(l => l.StartsWith(Misses, StringComparison.Ordinal) && l.Contains("level=\"memory\"", StringComparison.Ordinal)
            && l.Contains("field=\"status\"", StringComparison.Ordinal) && l.Contains($"drs_region=\"{TwoRegionRig.AwayRegion}\"", StringComparison.Ordinal));
        Assert.True(line is not null, "no memory-level status miss in /metrics:\n" + string.Join('\n', text.Split('\n').Where(l => l.StartsWith("drsgraph_cache_", StringComparison.Ordinal))));
        return long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
