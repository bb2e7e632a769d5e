using System.Net;
using System.Text;
using DrsGraph.DrsClient.Wire;
using DrsGraph.Gateway.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Gateway.Tests.Faults;

/// <summary>
/// An upstream that must not hurt the gateway: it redirects, sends too much, stalls or drips its body,
/// throttles one tenant, resets connections. Each test runs its own stub DRS and gateway.
/// </summary>
public sealed class MisbehavingUpstreamTests
{
    private const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private static readonly string StatusQuery = $"{{ job(id: \"{JobId}\") {{ id status }} }}";
    private static readonly string StatusAndDetailQuery = $"{{ job(id: \"{JobId}\") {{ id status detail {{ name }} }} }}";
    private static readonly string AllThreeQuery = $"{{ job(id: \"{JobId}\") {{ id status progress {{ percent }} detail {{ name }} }} }}";

    // A 3 s request budget, with the cache on: what a fault leaves behind in it is part of each test.
    private static readonly Dictionary<string, string?> WithCache = GatewayRig.With(GatewayRig.FastFaults, ("Gateway:Cache:Enabled", "true"));

    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(4);

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_is_a_protocol_error_and_the_token_never_reaches_the_other_host(int status)
    {
        await using var elsewhere = await StubUpstream.StartAsync();
        await using var drs = await StubUpstream.StartAsync((context, call) =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Location = new Uri(elsewhere.BaseAddress, call.Path).ToString();
            return Task.CompletedTask;
        });
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, WithCache);

        var answer = await rig.QueryAsync(StatusAndDetailQuery);

        Assert.Empty(elsewhere.Calls);
        Assert.Equal(["UPSTREAM_PROTOCOL_ERROR", "UPSTREAM_PROTOCOL_ERROR"], answer.Codes);
        Assert.Contains("redirect", answer.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.All(answer.Errors, e => Assert.Equal("DRSGRAPH.UPSTREAM_REDIRECT", e!["extensions"]!["upstreamCode"]!.GetValue<string>()));
        // Not retried: one call per endpoint.
        Assert.Equal(2, drs.Calls.Count);
        rig.Logs.AssertNone(GatewayRig.Token);

        // Not cached either: the same question asks DRS again.
        await rig.QueryAsync(StatusAndDetailQuery);
        Assert.Equal(4, drs.Calls.Count);
        Assert.Empty(elsewhere.Calls);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_huge_answer_is_refused_while_reading_and_the_next_request_for_the_job_works(bool declaresLength)
    {
        // Valid JSON, 8 MB of it in one job name: read in full it was once cached and broke every later answer.
        var huge = Encoding.UTF8.GetBytes($$"""{"count":1,"results":[{"id":"{{JobId}}","status":"FULL_TRANSFER_STARTED","name":"{{new string('n', 8 * 1024 * 1024)}}"}]}""");
        await using var drs = await StubUpstream.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            if (declaresLength)
            {
                context.Response.ContentLength = huge.Length;
            }

            for (var offset = 0; offset < huge.Length; offset += 64 * 1024)
            {
                await context.Response.Body.WriteAsync(huge.AsMemory(offset, Math.Min(64 * 1024, huge.Length - offset)), context.RequestAborted);
            }
        });
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, WithCache);

        var answer = await rig.QueryAsync(StatusAndDetailQuery);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(["UPSTREAM_PROTOCOL_ERROR", "UPSTREAM_PROTOCOL_ERROR"], answer.Codes);
        Assert.All(answer.Errors, e =>
        {
            Assert.Contains("Drs:MaxResponseBytes", e!["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("DRSGRAPH.RESPONSE_TOO_LARGE", e["extensions"]!["upstreamCode"]!.GetValue<string>());
        });
        Assert.Equal(2, drs.Calls.Count);
        Assert.InRange(answer.Raw.Length, 1, 8 * 1024);

        drs.Respond = StubUpstream.HealthyAsync;
        var next = (await rig.QueryAsync(StatusAndDetailQuery)).AssertNoErrors();
        Assert.Equal("stub-job", next.Data!["job"]!["detail"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_huge_error_message_is_cut_to_a_bounded_length_in_every_error()
    {
        var message = new string('e', 100 * 1024);
        await using var drs = await StubUpstream.StartAsync((context, _) =>
            StubUpstream.WriteJsonAsync(context, 400, $$"""{"error_code":"DRS.M00211","error_msg":"{{message}}"}"""));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, WithCache);

        var answer = await rig.QueryAsync(AllThreeQuery);

        Assert.Equal(3, answer.Errors.Count);
        Assert.All(answer.Errors, e =>
        {
            var text = e!["message"]!.GetValue<string>();
            Assert.InRange(text.Length, 1, BoundedStringConverter.MaxLength + 100);
            Assert.EndsWith(BoundedStringConverter.TruncationMarker, text, StringComparison.Ordinal);
            Assert.Equal("DRS.M00211", e["extensions"]!["code"]!.GetValue<string>());
        });
        Assert.InRange(answer.Raw.Length, 1, 4 * (BoundedStringConverter.MaxLength + 1024));
    }

    [Fact]
    public async Task A_huge_job_name_is_cut_and_the_cached_answer_still_serves()
    {
        var name = new string('x', 200 * 1024);
        await using var drs = await StubUpstream.StartAsync((context, call) => StubUpstream.WriteJsonAsync(context, 200, StubUpstream.HealthyBody(call, name)));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, WithCache);

        for (var i = 0; i < 2; i++)
        {
            var answer = (await rig.QueryAsync(StatusAndDetailQuery)).AssertNoErrors();
            var shown = answer.Data!["job"]!["detail"]!["name"]!.GetValue<string>();
            Assert.Equal(BoundedStringConverter.MaxLength, shown.Length);
            Assert.StartsWith("xxxx", shown, StringComparison.Ordinal);
            Assert.EndsWith(BoundedStringConverter.TruncationMarker, shown, StringComparison.Ordinal);
        }

        // The second answer came from the cache.
        Assert.Equal(2, drs.Calls.Count);
    }

    [Theory]
    [InlineData("stall")]
    [InlineData("drip")]
    public async Task A_stalled_or_dripping_body_times_out_within_the_budget_and_does_not_keep_the_job_claimed(string how)
    {
        await using var drs = await StubUpstream.StartAsync((context, _) => how == "stall" ? StallAsync(context) : DripAsync(context));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, WithCache);

        var stuck = await rig.QueryAsync(StatusQuery);

        Assert.Equal(["UPSTREAM_TIMEOUT"], stuck.Codes);
        Assert.InRange(stuck.Elapsed, TimeSpan.Zero, Budget + Slack);

        // DRS is healthy again (the stalled connection still hangs): the next request starts its own fetch.
        drs.Respond = StubUpstream.HealthyAsync;
        var next = (await rig.QueryAsync(StatusQuery)).AssertNoErrors();
        Assert.InRange(next.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        Assert.Equal("FULL_TRANSFER_STARTED", next.Data!["job"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_attempt_timeout_covers_the_body_so_a_drip_ends_long_before_the_request_budget()
    {
        await using var drs = await StubUpstream.StartAsync((context, _) => DripAsync(context));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.With(
            GatewayRig.FastFaults,
            ("Gateway:RequestTimeout", "00:00:30"),
            ("Drs:Resilience:Retry:MaxRetryAttempts", "1"),
            ("Drs:Resilience:AttemptTimeout:Timeout", "00:00:01"),
            ("Drs:Resilience:TotalRequestTimeout:Timeout", "00:00:03")));

        var answer = await rig.QueryAsync(StatusQuery);

        Assert.Equal(["UPSTREAM_TIMEOUT"], answer.Codes);
        Assert.Contains("configured timeout", answer.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.InRange(answer.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(6));
        Assert.Equal(2, drs.Calls.Count);
        Assert.Equal(0, rig.Services.GetService<CachingJobDataSource>()?.KeysInFlight ?? 0);
    }

    [Fact]
    public async Task One_tenant_throttled_again_and_again_does_not_open_the_circuit_for_another()
    {
        await using var drs = await StubUpstream.StartAsync((context, call) => call.Token == "tenant-a"
            ? StubUpstream.WriteJsonAsync(context, 429, """{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached."}""")
            : StubUpstream.HealthyAsync(context, call));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.With(
            GatewayRig.FastFaults,
            ("Drs:Resilience:CircuitBreaker:MinimumThroughput", "2"),
            ("Drs:Resilience:CircuitBreaker:FailureRatio", "0.5"),
            ("Drs:Resilience:CircuitBreaker:BreakDuration", "00:00:30")));

        for (var i = 0; i < 6; i++)
        {
            var throttled = await rig.QueryAsync(StatusAndDetailQuery, token: "tenant-a");
            Assert.Equal(["UPSTREAM_THROTTLED", "UPSTREAM_THROTTLED"], throttled.Codes);
        }

        var other = (await rig.QueryAsync(StatusAndDetailQuery, token: "tenant-b")).AssertNoErrors();
        Assert.Equal("stub-job", other.Data!["job"]!["detail"]!["name"]!.GetValue<string>());
        Assert.Contains(drs.Calls, c => c.Token == "tenant-b");
    }

    [Fact]
    public async Task After_a_break_with_drs_healthy_one_operation_gets_status_progress_and_detail_without_circuit_open()
    {
        await using var drs = await StubUpstream.StartAsync(FailingAsync);
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, QuickBreaker("00:00:01"));
        await OpenCircuitAsync(rig);
        drs.Respond = StubUpstream.HealthyAsync;
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var first = (await rig.QueryAsync(AllThreeQuery)).AssertNoErrors();
        Assert.Equal(42, first.Data!["job"]!["progress"]!["percent"]!.GetValue<double>());
        Assert.Equal("stub-job", first.Data!["job"]!["detail"]!["name"]!.GetValue<string>());
    }

    /// <remarks>
    /// The breaker sees attempts, retries included: with its threshold at 10, one operation's three batch calls retried
    /// through a one-second blip of DRS opened the circuit, and every other caller got CIRCUIT_OPEN for 15 s.
    /// </remarks>
    [Fact]
    public async Task One_operation_retried_through_a_blip_does_not_open_the_circuit_for_everyone()
    {
        // The shipped breaker and retry settings (appsettings.json), not the rigs' fast ones.
        await using var rig = await GatewayRig.StartAsync();
        await rig.SetFaultsAsync(new { failNext = 10, failureStatus = 503, failureCode = "DRS.M00004" });

        await rig.QueryAsync(AllThreeQuery, token: "tenant-a");
        var other = await rig.QueryAsync(StatusQuery, token: "tenant-b");

        other.AssertNoErrors();
        Assert.Equal("Closed", System.Text.Json.Nodes.JsonNode.Parse(await rig.Client.GetStringAsync(DrsGraph.Gateway.Health.HealthExtensions.ReadyPath))!["checks"]!["drs-circuit"]!["state"]!.GetValue<string>());
    }

    /// <remarks>
    /// Each call the open circuit refused was a Warning ("failed ... after 0 attempt(s)"): 600 a second from one client while
    /// DRS was down, where the circuit's opening is the fault and is logged once.
    /// </remarks>
    [Fact]
    public async Task Calls_the_open_circuit_refuses_add_no_warning_each()
    {
        await using var drs = await StubUpstream.StartAsync(FailingAsync);
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, QuickBreaker("00:00:30"));
        await OpenCircuitAsync(rig);
        var warnings = rig.Logs.Entries.Count(e => e.StartsWith("Warning ", StringComparison.Ordinal));

        for (var i = 0; i < 20; i++)
        {
            var refused = await rig.QueryAsync(StatusQuery);
            Assert.Contains(refused.Errors, e => e!["extensions"]?["upstreamCode"]?.GetValue<string>() == "DRSGRAPH.CIRCUIT_OPEN");
        }

        Assert.Equal(warnings, rig.Logs.Entries.Count(e => e.StartsWith("Warning ", StringComparison.Ordinal)));
        Assert.Equal(1, rig.Logs.Count("circuit of"));
    }

    [Fact]
    public async Task A_connection_reset_logs_one_line_per_attempt_at_most_without_stack_traces_or_token()
    {
        await using var drs = await StubUpstream.StartAsync((context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        });
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.FastFaults);

        var answer = await rig.QueryAsync(StatusAndDetailQuery);

        Assert.Equal(["UPSTREAM_UNAVAILABLE", "UPSTREAM_UNAVAILABLE"], answer.Codes);
        // Two calls (status, detail) of three attempts each.
        Assert.Equal(6, drs.Calls.Count);
        AssertQuietLogs(rig, drs.Calls.Count);
    }

    [Fact]
    public async Task An_attempt_timeout_logs_one_line_per_attempt_at_most_without_stack_traces_or_token()
    {
        await using var drs = await StubUpstream.StartAsync(async (context, call) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
            await StubUpstream.HealthyAsync(context, call);
        });
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.With(
            GatewayRig.FastFaults,
            ("Drs:Resilience:AttemptTimeout:Timeout", "00:00:00.300"),
            // Room for three 300 ms attempts per call even on a loaded machine (a 2 s total and the 3 s request budget
            // once cut a call to two attempts in CI).
            ("Drs:Resilience:TotalRequestTimeout:Timeout", "00:00:05"),
            ("Gateway:RequestTimeout", "00:00:08")));

        var answer = await rig.QueryAsync(StatusAndDetailQuery);

        Assert.Equal(["UPSTREAM_TIMEOUT", "UPSTREAM_TIMEOUT"], answer.Codes);
        Assert.Equal(6, drs.Calls.Count);
        AssertQuietLogs(rig, drs.Calls.Count);
    }

    private static Task FailingAsync(HttpContext context, StubCall call) =>
        StubUpstream.WriteJsonAsync(context, 500, """{"error_code":"DRS.M00004","error_msg":"Service abnormal."}""");

    /// <summary>A breaker that opens after two failed attempts, for <paramref name="breakDuration"/>.</summary>
    private static Dictionary<string, string?> QuickBreaker(string breakDuration) => GatewayRig.With(
        GatewayRig.FastFaults,
        ("Drs:Resilience:CircuitBreaker:MinimumThroughput", "2"),
        ("Drs:Resilience:CircuitBreaker:FailureRatio", "0.5"),
        ("Drs:Resilience:CircuitBreaker:BreakDuration", breakDuration));

    /// <summary>Queries a failing DRS until an answer says the circuit is open.</summary>
    private static async Task OpenCircuitAsync(GatewayRig rig)
    {
        var opened = false;
        for (var i = 0; i < 10 && !opened; i++)
        {
            opened = (await rig.QueryAsync(StatusQuery)).Errors.Any(e => e!["extensions"]?["upstreamCode"]?.GetValue<string>() == "DRSGRAPH.CIRCUIT_OPEN");
        }

        Assert.True(opened, "the circuit never opened");
    }

    private static void AssertQuietLogs(GatewayRig rig, int attempts)
    {
        var loud = rig.Logs.Entries.Where(e => e.StartsWith("Warning ", StringComparison.Ordinal) || e.StartsWith("Error ", StringComparison.Ordinal) || e.StartsWith("Critical ", StringComparison.Ordinal)).ToList();
        Assert.True(loud.Count <= attempts + 2, $"{loud.Count} lines at Warning or above for {attempts} attempts:\n{string.Join("\n", loud)}");
        // Each failed call says so once, with how many attempts it made; each retried attempt has its own line.
        Assert.Equal(2, loud.Count(e => e.Contains("after 3 attempt(s)", StringComparison.Ordinal)));
        Assert.Equal(4, rig.Logs.Count("retrying in"));
        // Each line says which DRS: the region of a failed call, the host of a retried attempt.
        Assert.Equal(2, loud.Count(e => e.Contains(" in region default failed ", StringComparison.Ordinal)));
        Assert.Equal(4, rig.Logs.Entries.Count(e => e.Contains("retrying in", StringComparison.Ordinal) && e.Contains(" at 127.0.0.1:", StringComparison.Ordinal)));
        Assert.DoesNotContain(loud, e => e.Contains("   at ", StringComparison.Ordinal));
        rig.Logs.AssertNone(GatewayRig.Token);
    }

    private static async Task StallAsync(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = 1000;
        await context.Response.Body.WriteAsync("{\"count\":1"u8.ToArray(), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
    }

    private static async Task DripAsync(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted);
        for (var i = 0; i < 60; i++)
        {
            await context.Response.Body.WriteAsync(" "u8.ToArray(), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(TimeSpan.FromSeconds(1), context.RequestAborted);
        }
    }
}
