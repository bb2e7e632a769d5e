using System.Net;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Jobs;

[Collection(GatewayTestGroup.Name)]
public sealed class BatchingTests(GatewayFixture fixture)
{
    private const string Fields = "id status progress { percent phases { name percent } } detail { name source { dbType port } }";

    [Fact]
    public async Task Twenty_jobs_with_three_fields_and_an_aliased_root_field_cost_three_upstream_calls()
    {
        var ids = await fixture.CreateJobsAsync(20);
        await fixture.ClearUpstreamLogAsync();

        var answer = await fixture.QueryAsync($"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {Fields} }} a: job(id: \"{ids[3]}\") {{ status }} }}");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        answer.AssertNoErrors();
        Assert.Equal(20, answer.Data!["jobs"]!.AsArray().Count);
        Assert.Equal("FULL_TRANSFER_STARTED", answer.Data!["a"]!["status"]!.GetValue<string>());
        var calls = await fixture.UpstreamCallsAsync();
        Assert.Equal(["detail", "progress", "status"], calls.Select(c => c.Endpoint).Order());
        Assert.All(calls, call => Assert.Equal(20, call.JobIds!.Count));
    }

    [Fact]
    public async Task Two_hundred_fifty_ids_with_status_cost_three_status_calls()
    {
        var ids = await fixture.CreateJobsAsync(250);
        await fixture.ClearUpstreamLogAsync();

        var answer = await fixture.QueryAsync($"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id status }} }}");

        answer.AssertNoErrors();
        var jobs = answer.Data!["jobs"]!.AsArray();
        Assert.Equal(ids, jobs.Select(j => j!["id"]!.GetValue<string>()));
        Assert.All(jobs, j => Assert.Equal("FULL_TRANSFER_STARTED", j!["status"]!.GetValue<string>()));
        var calls = await fixture.UpstreamCallsAsync();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.Equal("status", c.Endpoint));
        Assert.Equal(250, calls.Sum(c => c.JobIds!.Count));
    }

    [Fact]
    public async Task Duplicate_ids_across_aliases_root_fields_and_lists_are_fetched_once()
    {
        var ids = await fixture.CreateJobsAsync(3);
        await fixture.ClearUpstreamLogAsync();

        var answer = await fixture.QueryAsync($$"""
            {
              x: jobs(ids: ["{{ids[0]}}", "{{ids[1]}}", "{{ids[0]}}"]) { status isTerminal phase }
              y: jobs(ids: ["{{ids[1]}}", "{{ids[2]}}"]) { rawStatus detail { name } }
              z: job(id: "{{ids[2]}}") { status detail { id } }
            }
            """);

        answer.AssertNoErrors();
        Assert.Equal(3, answer.Data!["x"]!.AsArray().Count);
        var calls = await fixture.UpstreamCallsAsync();
        Assert.Equal(2, calls.Count);
        Assert.Equal(ids.Order(), calls.Single(c => c.Endpoint == "status").JobIds!.Order());
        Assert.Equal(new[] { ids[1], ids[2] }.Order(), calls.Single(c => c.Endpoint == "detail").JobIds!.Order());
    }
}
