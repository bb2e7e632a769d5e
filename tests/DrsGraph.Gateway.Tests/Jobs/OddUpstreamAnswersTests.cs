using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Jobs;

/// <summary>Answers DRS may give that the emulator does not, through the whole gateway: each costs at most its own job.</summary>
public sealed class OddUpstreamAnswersTests
{
    private const string A = "00000000-0000-4000-8000-0000000000a1";
    private const string B = "00000000-0000-4000-8000-0000000000b1";

    /// <remarks>
    /// A null in one job's tags or speed limits threw while mapping (a NullReferenceException the batch's mapping did not
    /// catch): every job of the batch failed with code NULL_REFERENCE. A comma-joined db_type was read as the sum of its
    /// names' values (mysql,mongodb as GAUSSDBV5).
    /// </remarks>
    [Fact]
    public async Task Nulls_in_a_jobs_lists_and_a_comma_joined_engine_cost_nothing_but_what_cannot_be_read()
    {
        await using var drs = await StubUpstream.StartAsync((context, call) => StubUpstream.WriteJsonAsync(context, 200, call.Operation == "batch-detail"
            ? $$$"""
              {"count":2,"results":[
                {"id":"{{{A}}}","name":"a","status":"INCRE_TRANSFER_STARTED","tags":[null,{"key":"k","value":"v"}],"speed_limit":[null],
                 "source_endpoint":{"db_type":"mysql,mongodb"},"target_endpoint":{"db_type":"MySQL"}},
                {"id":"{{{B}}}","name":"b","status":"INCRE_TRANSFER_STARTED"}]}
              """
            : StubUpstream.HealthyBody(call)));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.FastFaults);

        var answer = (await rig.QueryAsync($$"""
            { jobs(ids: ["{{A}}", "{{B}}"]) { detail { name tags { key value } speedLimits { megabytesPerSecond } source { dbType rawDbType } target { dbType } } } }
            """)).AssertNoErrors();

        var a = answer.Data!["jobs"]![0]!["detail"]!;
        Assert.Equal("""[{"key":"k","value":"v"}]""", a["tags"]!.ToJsonString());
        Assert.Equal("[]", a["speedLimits"]!.ToJsonString());
        Assert.Equal(("UNKNOWN", "mysql,mongodb"), (a["source"]!["dbType"]!.GetValue<string>(), a["source"]!["rawDbType"]!.GetValue<string>()));
        Assert.Equal("MYSQL", a["target"]!["dbType"]!.GetValue<string>());
        Assert.Equal("b", answer.Data["jobs"]![1]!["detail"]!["name"]!.GetValue<string>());
    }

    /// <remarks>
    /// The list's statuses stood in for batch-status in the cache, failed jobs too: their error code and message (which
    /// only batch-status gives) were null for StatusTtl, in the list and in jobs(ids:) alike, and a job listed without a
    /// status was cached as UNKNOWN.
    /// </remarks>
    [Fact]
    public async Task A_job_list_stands_in_for_batch_status_only_where_it_says_as_much()
    {
        const string NoStatus = "00000000-0000-4000-8000-0000000000c1";
        await using var drs = await StubUpstream.StartAsync((context, call) => StubUpstream.WriteJsonAsync(context, 200, call.Operation switch
        {
            "jobs" when call.UseType == "migration" => $$"""
                {"total_record":3,"jobs":[
                  {"id":"{{A}}","name":"failed","status":"FULL_TRANSFER_FAILED","error_msg":"disk full","db_use_type":"migration","create_time":"1765000000000"},
                  {"id":"{{B}}","name":"running","status":"INCRE_TRANSFER_STARTED","db_use_type":"migration","create_time":"1765000000001"},
                  {"id":"{{NoStatus}}","name":"quiet","db_use_type":"migration","create_time":"1765000000002"}]}
                """,
            "jobs" => """{"total_record":0,"jobs":[]}""",
            "batch-status" => System.Text.Json.JsonSerializer.Serialize(new
            {
                count = call.Ids.Count,
                results = call.Ids.Select(id => id == A
                    ? (object)new { id, status = "FULL_TRANSFER_FAILED", error_code = "DRS.M03055", error_message = "disk full" }
                    : new { id, status = "CONFIGURATION" }),
            }),
            _ => StubUpstream.HealthyBody(call),
        }));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.With(GatewayRig.FastFaults, ("Gateway:Cache:Enabled", "true")));

        var listed = (await rig.QueryAsync("{ projectJobs(first: 10) { nodes { id status errorCode errorMessage } } }")).AssertNoErrors();
        var byId = (await rig.QueryAsync($$"""{ jobs(ids: ["{{A}}", "{{B}}", "{{NoStatus}}"]) { id status errorCode errorMessage } }""")).AssertNoErrors();

        foreach (var jobs in new[] { listed.Data!["projectJobs"]!["nodes"]!.AsArray(), byId.Data!["jobs"]!.AsArray() })
        {
            var failed = Assert.Single(jobs, j => j!["id"]!.GetValue<string>() == A)!;
            Assert.Equal(("FULL_TRANSFER_FAILED", "DRS.M03055", "disk full"), (failed["status"]!.GetValue<string>(), failed["errorCode"]!.GetValue<string>(), failed["errorMessage"]!.GetValue<string>()));
            Assert.Equal("CONFIGURATION", Assert.Single(jobs, j => j!["id"]!.GetValue<string>() == NoStatus)!["status"]!.GetValue<string>());
        }

        // The running job's status came from the list; the other two were asked of batch-status, once.
        var asked = drs.Calls.Where(c => c.Operation == "batch-status").SelectMany(c => c.Ids).Order(StringComparer.Ordinal);
        Assert.Equal([A, NoStatus], asked);
    }
}
