using System.Net;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Operations;

[Collection(OperationsTestGroup.Name)]
public sealed class TopologyTests(OperationsFixture fixture)
{
    [Fact]
    public async Task Two_replicas_in_front_of_one_DRS_give_the_same_answers_and_are_both_ready()
    {
        var ids = await fixture.Emulator.CreateJobsAsync(3);
        var query = $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id status phase progress {{ percent }} detail {{ name }} }} }}";

        var fromA = (await fixture.A.QueryAsync(query, GatewayFixture.Token)).AssertNoErrors();
        var fromB = (await fixture.B.QueryAsync(query, GatewayFixture.Token)).AssertNoErrors();

        Assert.Equal(3, fromA.Data!["jobs"]!.AsArray().Count);
        Assert.Equal(fromA.Data!.ToJsonString(), fromB.Data!.ToJsonString());
        foreach (var replica in new[] { fixture.A, fixture.B })
        {
            Assert.Equal(HttpStatusCode.OK, (await OperationsFixture.HealthAsync(replica.Client, "/health/live")).Status);
            var (status, body) = await OperationsFixture.HealthAsync(replica.Client, "/health/ready");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("Healthy", body["status"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_query_burst_spread_over_both_replicas_moves_their_upstream_call_and_request_duration_series()
    {
        // Distinct jobs per query: a cache in front of DRS cannot answer any of them.
        const int Burst = 12;
        var ids = await fixture.Emulator.CreateJobsAsync(Burst);
        var before = await ScrapeAsync();

        // Round robin, as the load balancer does.
        var replicas = new[] { fixture.A, fixture.B };
        await Task.WhenAll(ids.Select((id, i) =>
            replicas[i % 2].QueryAsync($"{{ job(id: \"{id}\") {{ status }} }}", GatewayFixture.Token)));

        // The server records a request's duration (and its operation's) after the client has the answer: on a busy
        // machine the first scrape may come before the last burst request is counted.
        var after = await Task.WhenAll(replicas.Select((replica, r) => PrometheusText.ScrapeUntilAsync(replica.Client, m => RequestsCounted(before[r], m, Burst / 2))));

        for (var replica = 0; replica < 2; replica++)
        {
            var upstreamBefore = PrometheusText.Sum(before[replica], "drsgraph_upstream_calls_total", ("drs_endpoint", "status"), ("outcome", "success")) ?? 0;
            var upstreamAfter = PrometheusText.Sum(after[replica], "drsgraph_upstream_calls_total", ("drs_endpoint", "status"), ("outcome", "success"));
            Assert.NotNull(upstreamAfter);
            Assert.True(upstreamAfter - upstreamBefore >= Burst, $"replica {replica}: upstream status calls went from {upstreamBefore} to {upstreamAfter}");

            var requestsBefore = PrometheusText.Sum(before[replica], "http_server_request_duration_seconds_count", ("http_request_method", "POST")) ?? 0;
            var requestsAfter = PrometheusText.Sum(after[replica], "http_server_request_duration_seconds_count", ("http_request_method", "POST"));
            Assert.NotNull(requestsAfter);
            Assert.True(requestsAfter - requestsBefore >= Burst / 2, $"replica {replica}: POST request count went from {requestsBefore} to {requestsAfter}");

            Assert.NotNull(PrometheusText.Sum(after[replica], "drsgraph_upstream_duration_seconds_count", ("drs_endpoint", "status")));
            Assert.NotNull(PrometheusText.Sum(after[replica], "drsgraph_dataloader_batch_size_count", ("loader", "JobStatusInfo")));
            Assert.NotNull(PrometheusText.Sum(after[replica], "drsgraph_graphql_operation_duration_seconds_count", ("graphql_operation_type", "query")));
            // Each replica now holds at least the statuses it fetched, within its memory budget.
            Assert.True(PrometheusText.Sum(after[replica], "drsgraph_cache_memory_entries") >= Burst / 2, $"replica {replica}: memory entries gauge");
            Assert.InRange(PrometheusText.Sum(after[replica], "drsgraph_cache_memory_size_bytes") ?? 0, 1, 64 * 1024 * 1024);
            Assert.DoesNotContain(GatewayFixture.Token, after[replica], StringComparison.Ordinal);
        }
    }

    private static bool RequestsCounted(string before, string after, int requests) =>
        PrometheusText.Sum(after, "http_server_request_duration_seconds_count", ("http_request_method", "POST")) - (PrometheusText.Sum(before, "http_server_request_duration_seconds_count", ("http_request_method", "POST")) ?? 0) >= requests
        && PrometheusText.Sum(after, "drsgraph_graphql_operation_duration_seconds_count", ("graphql_operation_type", "query")) is not null;

    private async Task<string[]> ScrapeAsync() =>
        await Task.WhenAll(fixture.A.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative)), fixture.B.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
}
