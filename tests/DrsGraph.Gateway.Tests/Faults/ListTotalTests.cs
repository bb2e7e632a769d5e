namespace DrsGraph.Gateway.Tests.Faults;

/// <summary>A job list's <c>total_record</c> is DRS's to state, however large: it is a number, never a crash.</summary>
public sealed class ListTotalTests
{
    /// <remarks>
    /// Without a use type the gateway walks each of the three and adds their totals: three totals near int.MaxValue
    /// overflowed that sum, an unhandled OverflowException with a stack trace in the log and code OVERFLOW.
    /// </remarks>
    [Fact]
    public async Task Totals_near_the_int_range_in_every_walk_answer_filter_too_broad_not_an_overflow()
    {
        await using var drs = await StubUpstream.StartAsync((context, _) =>
            StubUpstream.WriteJsonAsync(context, 200, """{ "jobs": [], "total_record": 2147483647 }"""));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.FastFaults);

        var answer = await rig.QueryAsync("{ projectJobs(first: 4) { totalCount } }");

        Assert.Equal(["FILTER_TOO_BROAD"], answer.Codes);
        Assert.Equal(3, drs.Calls.Count(c => c.Path.EndsWith("/jobs", StringComparison.Ordinal)));
        rig.Logs.AssertNone("OverflowException");
    }

    /// <remarks>Each use type's walk was distinct on its own, but their merge was not: the job twice in one connection, totalCount 4.</remarks>
    [Fact]
    public async Task A_job_drs_lists_under_two_use_types_is_one_node_counted_once()
    {
        await using var drs = await StubUpstream.StartAsync((context, call) => StubUpstream.WriteJsonAsync(context, 200, call.UseType switch
        {
            "migration" => List(("00000000-0000-4000-8000-0000000000a1", "migration"), ("00000000-0000-4000-8000-0000000000b1", "migration")),
            "sync" => List(("00000000-0000-4000-8000-0000000000a1", "migration"), ("00000000-0000-4000-8000-0000000000c1", "sync")),
            _ => List(),
        }));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.FastFaults);

        var answer = await rig.QueryAsync("{ projectJobs(first: 10) { totalCount nodes { id } } }");

        answer.AssertNoErrors();
        Assert.Equal(3, answer.Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
        Assert.Equal(
            ["00000000-0000-4000-8000-0000000000a1", "00000000-0000-4000-8000-0000000000b1", "00000000-0000-4000-8000-0000000000c1"],
            answer.Data["projectJobs"]!["nodes"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    /// <remarks>DRS may omit empty fields: a filter on useType read a missing db_use_type as none, and matched no such job.</remarks>
    [Fact]
    public async Task An_entry_without_db_use_type_is_of_the_use_type_its_walk_listed()
    {
        await using var drs = await StubUpstream.StartAsync((context, call) => StubUpstream.WriteJsonAsync(context, 200, call.UseType switch
        {
            "sync" => List(("00000000-0000-4000-8000-0000000000c1", null), ("00000000-0000-4000-8000-0000000000c2", null)),
            "migration" => List(("00000000-0000-4000-8000-0000000000b1", null)),
            _ => List(),
        }));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.FastFaults);

        var sync = await rig.QueryAsync("{ projectJobs(first: 10, where: { useType: { eq: SYNC } }) { totalCount } }");
        var notSync = await rig.QueryAsync("{ projectJobs(first: 10, where: { useType: { neq: SYNC } }) { totalCount nodes { id } } }");

        Assert.Equal(2, sync.AssertNoErrors().Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
        Assert.Equal(1, notSync.AssertNoErrors().Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
        Assert.Equal("00000000-0000-4000-8000-0000000000b1", notSync.Data!["projectJobs"]!["nodes"]![0]!["id"]!.GetValue<string>());
    }

    /// <remarks>
    /// The item was left out, and the walk then had fewer jobs than total_record: "changed" every time, so the project
    /// answered LIST_INCONSISTENT ("jobs are changing status right now, try again") for good.
    /// </remarks>
    [Fact]
    public async Task An_item_naming_no_job_id_is_left_out_and_the_others_are_listed()
    {
        await using var drs = await StubUpstream.StartAsync((context, call) => StubUpstream.WriteJsonAsync(context, 200, call.UseType switch
        {
            "sync" => List(("00000000-0000-4000-8000-0000000000c1", "sync"), ("not-a-job-id", "sync"), ("00000000-0000-4000-8000-0000000000c2", "sync")),
            _ => List(),
        }));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.FastFaults);

        var answer = await rig.QueryAsync("{ projectJobs(first: 10, where: { useType: { eq: SYNC } }) { totalCount nodes { id } } }");

        answer.AssertNoErrors();
        Assert.Equal(2, answer.Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
        Assert.Single(drs.Calls, c => c.UseType == "sync");
    }

    /// <remarks>Forty identical lists at once were forty walks of DRS's list (the job fields had single flight, lists did not).</remarks>
    [Fact]
    public async Task Identical_lists_asked_at_once_share_one_walk()
    {
        await using var drs = await StubUpstream.StartAsync(async (context, call) =>
        {
            // Slow enough that every request below asks while the first walk is under way.
            await Task.Delay(TimeSpan.FromMilliseconds(500), context.RequestAborted);
            await StubUpstream.WriteJsonAsync(context, 200, call.UseType == "sync" ? List(("00000000-0000-4000-8000-0000000000c1", "sync")) : List());
        });
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.With(GatewayRig.FastFaults, ("Gateway:Cache:Enabled", "true")));

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => rig.QueryAsync("{ projectJobs(first: 10) { totalCount nodes { id } } }")));

        Assert.All(answers, answer => Assert.Equal(1, answer.AssertNoErrors().Data!["projectJobs"]!["totalCount"]!.GetValue<int>()));
        // One walk of each use type's list for all twenty.
        Assert.Equal(3, drs.Calls.Count(c => c.Path.EndsWith("/jobs", StringComparison.Ordinal)));
    }

    /// <remarks>Job fields were served stale while DRS was out; a list past its ListTtl was null with UPSTREAM_UNAVAILABLE.</remarks>
    [Fact]
    public async Task A_list_past_its_ttl_is_served_stale_while_drs_is_out_but_not_past_a_refusal()
    {
        var status = 200;
        await using var drs = await StubUpstream.StartAsync((context, call) => status == 200
            ? StubUpstream.WriteJsonAsync(context, 200, call.Operation == "jobs"
                ? (call.UseType == "sync" ? List(("00000000-0000-4000-8000-0000000000c1", "sync")) : List())
                : StubUpstream.HealthyBody(call))
            : StubUpstream.WriteJsonAsync(context, status, $$"""{"error_code":"DRS.M0000{{status / 100}}","error_msg":"No."}"""));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.With(
            GatewayRig.FastFaults, ("Gateway:Cache:Enabled", "true"), ("Gateway:Cache:ListTtl", "00:00:00.200")));
        const string Query = "{ projectJobs(first: 10, where: { useType: { eq: SYNC } }) { totalCount nodes { id } } }";
        (await rig.QueryAsync(Query)).AssertNoErrors();
        await Task.Delay(TimeSpan.FromMilliseconds(400));

        status = 503;
        var stale = await rig.QueryAsync(Query);
        status = 403;
        var refused = await rig.QueryAsync(Query);

        Assert.Equal(1, stale.AssertNoErrors().Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
        // A refusal is DRS's answer, not an outage: nothing stale stands in for it.
        Assert.NotEmpty(refused.Errors);
        Assert.Null(refused.Data?["projectJobs"]);
    }

    /// <remarks>
    /// Partitioned by project, identical lists share one walk whatever the token: a valid caller that joined a refused
    /// token's walk got its 401 (and its list subscription ended). Job fields already asked again with the caller's token.
    /// </remarks>
    [Fact]
    public async Task Partitioned_by_project_a_caller_that_joined_another_tokens_refused_walk_is_asked_for_with_its_own()
    {
        await using var drs = await StubUpstream.StartAsync(async (context, call) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(call.Token == "refused-token" ? 800 : 0), context.RequestAborted);
            await (call.Token == "refused-token"
                ? StubUpstream.WriteJsonAsync(context, 401, """{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information."}""")
                : StubUpstream.WriteJsonAsync(context, 200, call.UseType == "sync" ? List(("00000000-0000-4000-8000-0000000000c1", "sync")) : List()));
        });
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.With(
            GatewayRig.FastFaults, ("Gateway:Cache:Enabled", "true"), ("Gateway:Cache:Partition", "Project")));
        const string Query = "{ projectJobs(first: 10, where: { useType: { eq: SYNC } }) { totalCount } }";

        var refused = rig.QueryAsync(Query, token: "refused-token");
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var valid = await rig.QueryAsync(Query, token: "valid-token");

        Assert.Equal(1, valid.AssertNoErrors().Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
        Assert.NotEmpty((await refused).Errors);
        Assert.Contains(drs.Calls, c => c.Token == "valid-token");
    }

    private static string List(params (string Id, string? UseType)[] jobs) => System.Text.Json.JsonSerializer.Serialize(new
    {
        total_record = jobs.Length,
        jobs = jobs.Select(j => j.UseType is null
            ? (object)new { id = j.Id, name = "n-" + j.Id[^2..], status = "FULL_TRANSFER_STARTED", create_time = "1765000000000" }
            : new { id = j.Id, name = "n-" + j.Id[^2..], status = "FULL_TRANSFER_STARTED", create_time = "1765000000000", db_use_type = j.UseType }),
    });
}
