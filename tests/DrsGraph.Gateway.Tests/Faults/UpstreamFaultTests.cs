using System.Net;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Faults;

/// <summary>One emulator with faults switched on and off, one gateway with a 3 s request budget.</summary>
public sealed class FaultRigFixture : IAsyncLifetime
{
    public GatewayRig Rig { get; private set; } = null!;

    public IReadOnlyList<string> Jobs { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Rig = await GatewayRig.StartAsync(GatewayRig.FastFaults);
        Jobs = await Rig.CreateJobsAsync(3);
    }

    public async Task DisposeAsync() => await Rig.DisposeAsync();
}

public sealed class UpstreamFaultTests(FaultRigFixture fixture) : IClassFixture<FaultRigFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    // Generous: machines in CI are slow, but a request left hanging would take the full 60 s client timeout.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(4);

    private GatewayRig Rig => fixture.Rig;

    private string Query => $"{{ jobs(ids: {GatewayFixture.IdList(fixture.Jobs)}) {{ id status progress {{ percent }} }} }}";

    public async Task InitializeAsync()
    {
        await Rig.ClearFaultsAsync();
        await Rig.ClearUpstreamLogAsync();
    }

    public Task DisposeAsync() => Rig.ClearFaultsAsync();

    [Fact]
    public async Task A_burst_of_5xx_shorter_than_the_retries_is_invisible_to_the_caller()
    {
        await Rig.SetFaultsAsync(new { failNext = 2, failureStatus = 503, endpoints = new[] { "status" } });

        var answer = await Rig.QueryAsync(Query);

        answer.AssertNoErrors();
        Assert.Equal(3, answer.Data!["jobs"]!.AsArray().Count);
        // status: two failures and the retry that worked; progress: one call.
        Assert.Equal(4, await Rig.UpstreamCallCountAsync());
    }

    [Fact]
    public async Task Persistent_5xx_fail_only_the_drs_fields_with_upstream_unavailable()
    {
        await Rig.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 500, failureCode = "DRS.M00004", endpoints = new[] { "status" } });

        var answer = await Rig.QueryAsync(Query);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(3, answer.Errors.Count);
        Assert.All(answer.Errors, e => Assert.Equal("UPSTREAM_UNAVAILABLE", e!["extensions"]!["code"]!.GetValue<string>()));
        Assert.All(answer.Errors, e => Assert.Equal("DRS.M00004", e!["extensions"]!["upstreamCode"]!.GetValue<string>()));
        var jobs = answer.Data!["jobs"]!.AsArray();
        Assert.Equal(fixture.Jobs, jobs.Select(j => j!["id"]!.GetValue<string>()));
        Assert.All(jobs, j => Assert.NotNull(j!["progress"]!["percent"]));
    }

    [Fact]
    public async Task A_latency_spike_below_the_budget_still_answers_with_data()
    {
        await Rig.SetFaultsAsync(new { latencyMs = 400, jitterMs = 100 });

        var answer = await Rig.QueryAsync(Query);

        answer.AssertNoErrors();
        Assert.InRange(answer.Elapsed, TimeSpan.FromMilliseconds(350), Budget);
    }

    [Fact]
    public async Task A_latency_spike_beyond_the_budget_answers_upstream_timeout_on_time()
    {
        await Rig.SetFaultsAsync(new { latencyMs = 8000, endpoints = new[] { "progress" } });

        var answer = await Rig.QueryAsync(Query);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.InRange(answer.Elapsed, Budget - TimeSpan.FromMilliseconds(200), Budget + Slack);
        Assert.All(answer.Data!["jobs"]!.AsArray(), j => Assert.Equal("FULL_TRANSFER_STARTED", j!["status"]!.GetValue<string>()));
        Assert.Equal(3, answer.Errors.Count);
        Assert.All(answer.Errors, e =>
        {
            Assert.Equal("UPSTREAM_TIMEOUT", e!["extensions"]!["code"]!.GetValue<string>());
            Assert.Equal("progress", e["path"]![2]!.GetValue<string>());
            Assert.Contains("request budget", e["message"]!.GetValue<string>(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_hanging_upstream_answers_upstream_timeout_within_the_request_budget()
    {
        await Rig.SetFaultsAsync(new { hangRate = 1.0 });

        var answer = await Rig.QueryAsync(Query);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.InRange(answer.Elapsed, Budget - TimeSpan.FromMilliseconds(200), Budget + Slack);
        Assert.Equal(fixture.Jobs, answer.Data!["jobs"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()));
        Assert.Equal(6, answer.Errors.Count);
        Assert.All(answer.Codes, code => Assert.Equal("UPSTREAM_TIMEOUT", code));
    }

    [Fact]
    public async Task Every_operation_of_a_batch_shares_one_budget_against_a_hanging_upstream()
    {
        await Rig.SetFaultsAsync(new { hangRate = 1.0 });
        var operation = new JsonObject { ["query"] = Query };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent(new JsonArray(operation.DeepClone(), operation.DeepClone(), operation.DeepClone()).ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);
        var linesBefore = Rig.Logs.Count("request budget ran out");

        var answer = await Rig.SendAsync(request);

        // Without one budget per HTTP request, three sequential operations would take three budgets.
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.InRange(answer.Elapsed, Budget - TimeSpan.FromMilliseconds(200), Budget + Slack);
        var results = answer.Json!.AsArray();
        Assert.Equal(3, results.Count);
        Assert.All(results, result =>
        {
            Assert.Equal(3, result!["data"]!["jobs"]!.AsArray().Count);
            Assert.All(result["errors"]!.AsArray(), e => Assert.Equal("UPSTREAM_TIMEOUT", e!["extensions"]!["code"]!.GetValue<string>()));
        });
        // One fault, one line: it was a line per field's batch (two per operation here, six in all).
        await Rig.Logs.WaitForAsync("request budget ran out", linesBefore + 1);
        await Task.Delay(300);
        Assert.Equal(linesBefore + 1, Rig.Logs.Count("request budget ran out"));
        Assert.Contains(Rig.Logs.Entries, line => line.Contains("request budget ran out before DRS answered: 18 job fields answer UPSTREAM_TIMEOUT (0 more answered from the cache), and 0 job lists", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fifty_concurrent_requests_against_a_hanging_upstream_all_answer_within_the_budget()
    {
        await Rig.SetFaultsAsync(new { hangRate = 1.0 });

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Rig.QueryAsync(Query, token: $"{GatewayRig.Token}-{i}")));

        Assert.All(answers, answer =>
        {
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.InRange(answer.Elapsed, TimeSpan.Zero, Budget + Slack);
            Assert.All(answer.Codes, code => Assert.Equal("UPSTREAM_TIMEOUT", code));
        });
    }

    [Fact]
    public async Task Throttled_once_with_retry_after_waits_as_told_and_then_answers()
    {
        await Rig.SetFaultsAsync(new { throttleNext = 1, retryAfterSeconds = 1, endpoints = new[] { "status" } });

        var answer = await Rig.QueryAsync($"{{ job(id: \"{fixture.Jobs[0]}\") {{ status }} }}");

        answer.AssertNoErrors();
        Assert.InRange(answer.Elapsed, TimeSpan.FromMilliseconds(900), Budget);
        Assert.Equal(2, await Rig.UpstreamCallCountAsync());
    }

    [Fact]
    public async Task Persistently_throttled_fields_say_upstream_throttled_with_the_drs_code()
    {
        await Rig.SetFaultsAsync(new { throttleRate = 1.0, retryAfterSeconds = 0, endpoints = new[] { "status" } });

        var answer = await Rig.QueryAsync($"{{ job(id: \"{fixture.Jobs[0]}\") {{ id status }} }}");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(fixture.Jobs[0], answer.Data!["job"]!["id"]!.GetValue<string>());
        var error = Assert.Single(answer.Errors)!;
        Assert.Equal("UPSTREAM_THROTTLED", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("APIGW.0308", error["extensions"]!["upstreamCode"]!.GetValue<string>());
        Assert.Equal(429, error["extensions"]!["upstreamStatus"]!.GetValue<int>());
    }

    [Fact]
    public async Task No_fault_leaves_an_unhandled_exception_in_the_log()
    {
        await Rig.SetFaultsAsync(new { failureRate = 0.3, throttleRate = 0.2, hangRate = 0.1, latencyMs = 50, retryAfterSeconds = 0 });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Rig.QueryAsync(Query)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Rig.Logs.AssertNone("Unhandled exception");
        Rig.Logs.AssertNone("failed outside the executer");
    }
}
