using DrsGraph.Gateway.Observability;
using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>
/// The two duration histograms record seconds: with the SDK's default bounds (made for milliseconds: 0, 5, 10, 25, ...)
/// every operation and every DRS call fell in the bucket up to 5 s, and no latency quantile could be read from /metrics.
/// </summary>
public sealed class DurationBucketsTests
{
    [Theory]
    [InlineData("drsgraph_graphql_operation_duration_seconds_bucket")]
    [InlineData("drsgraph_upstream_duration_seconds_bucket")]
    public async Task Duration_histograms_have_buckets_in_seconds_that_tell_a_fast_answer_from_a_slow_one(string series)
    {
        await using var rig = await GatewayRig.StartAsync();
        (await rig.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }")).AssertNoErrors();

        var text = await rig.Client.GetStringAsync(ObservabilityExtensions.MetricsPath);
        var bounds = text.Split('\n').Where(l => l.StartsWith(series + "{", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("le=\"", StringComparison.Ordinal) + 4)..])
            .Select(l => l[..l.IndexOf('"', StringComparison.Ordinal)])
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("0.005", bounds);
        Assert.Contains("0.1", bounds);
        Assert.Contains("1", bounds);
        Assert.Contains("10", bounds);
        Assert.DoesNotContain("1000", bounds);
    }
}
