using System.Text.Json;
using System.Text.RegularExpressions;
using DrsGraph.Emulator.Tests.Infrastructure;

namespace DrsGraph.Emulator.Tests.Drs;

/// <summary>The three batch endpoints over the seed data: shapes, paging, validation, per-item errors.</summary>
public sealed partial class BatchEndpointTests(SharedEmulator emulator) : IClassFixture<SharedEmulator>
{
    private const string Incre = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private const string IncreFailed = "dc67695a-ee3e-49b8-a022-a099bd81jb21";
    private const string Unknown = "0f0e0d0c-0b0a-4909-8807-060504jb0302";

    private EmulatorHost Host => emulator.Host;

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex RequestIdPattern();

    private async Task<List<string>> LiveIdsAsync(int count)
    {
        var jobs = await Host.ControlAsync(HttpMethod.Get, "/_emulator/jobs?projectId=" + EmulatorHost.DemoProject);
        return [.. jobs.GetProperty("jobs").EnumerateArray()
            .Where(j => !j.GetProperty("deleted").GetBoolean())
            .Select(j => j.GetProperty("id").GetString()!)
            .Take(count)];
    }

    [Fact]
    public async Task The_status_example_of_the_api_page_answers_as_the_page_shows()
    {
        var answer = await Host.CallAsync("status", """{"jobs":["9a470239-2308-4bb5-a6bc-1040402fjb21","dc67695a-ee3e-49b8-a022-a099bd81jb21"],"page_req":{"cur_page":1,"per_page":10}}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal(2, answer.Body.GetProperty("count").GetInt32());
        Assert.Equal(
            """[{"id":"9a470239-2308-4bb5-a6bc-1040402fjb21","status":"INCRE_TRANSFER_STARTED"},{"id":"dc67695a-ee3e-49b8-a022-a099bd81jb21","status":"INCRE_TRANSFER_FAILED"}]""",
            answer.Body.GetProperty("results").GetRawText());
    }

    [Fact]
    public async Task Every_example_job_of_the_pages_has_the_status_its_example_shows()
    {
        var expected = new Dictionary<string, string>
        {
            ["9a470239-2308-4bb5-a6bc-1040402fjb21"] = "INCRE_TRANSFER_STARTED",
            ["dc67695a-ee3e-49b8-a022-a099bd81jb21"] = "INCRE_TRANSFER_FAILED",
            ["8d0e8e36-a618-490d-8a46-8c61ac9jb502"] = "INCRE_TRANSFER_STARTED",
            ["edae91cb-5892-49b6-a529-4921fb26jb21"] = "INCRE_TRANSFER_STARTED",
            ["f95c5d83-d0c9-42bd-b295-38c31cd1jb15"] = "FULL_TRANSFER_COMPLETE",
            ["24834eb6-be30-464e-a299-f7aa730jb101"] = "STARTJOBING",
            ["140b5236-88ad-43c8-811c-1268453jb101"] = "CONFIGURATION",
        };

        var answer = await Host.CallAsync("status", expected.Keys);

        Assert.Equal(expected, answer.Results.ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("status").GetString()!));
    }

    [Fact]
    public async Task The_detail_examples_carry_the_fields_of_the_page()
    {
        var answer = await Host.CallAsync("detail", ["24834eb6-be30-464e-a299-f7aa730jb101", "140b5236-88ad-43c8-811c-1268453jb101"]);

        var lws = answer.Results[0];
        Assert.Equal("DRS-3999-lws", lws.GetProperty("name").GetString());
        Assert.Equal("STARTJOBING", lws.GetProperty("status").GetString());
        Assert.Equal("FULL_INCR_TRANS", lws.GetProperty("task_type").GetString());
        Assert.Equal("172.22.74.56", lws.GetProperty("source_endpoint").GetProperty("ip").GetString());
        Assert.Equal("rds-lws-target", lws.GetProperty("target_endpoint").GetProperty("inst_name").GetString());
        Assert.Equal("10.154.219.202", lws.GetProperty("inst_info").GetProperty("public_ip").GetString());
        Assert.True(lws.TryGetProperty("actual_start_time", out _), "a starting job has an actual_start_time");
        var lxl = answer.Results[1];
        Assert.Equal("DRS-0042-linxiaolu", lxl.GetProperty("name").GetString());
        Assert.Equal("CONFIGURATION", lxl.GetProperty("status").GetString());
        Assert.Equal("ACTIVE", lxl.GetProperty("inst_info").GetProperty("status").GetString());
        Assert.Equal("e05a3679efe241d8b5dee80b17c1a863in01", lxl.GetProperty("target_endpoint").GetProperty("inst_id").GetString());
    }

    [Fact]
    public async Task A_call_without_page_req_returns_only_the_first_five_jobs()
    {
        var ids = await LiveIdsAsync(12);

        var status = await Host.CallAsync("status", ids, pageReq: null);
        var detail = await Host.CallAsync("detail", ids, pageReq: null);

        Assert.Equal(ids.Take(5), status.Results.Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(5, status.Body.GetProperty("count").GetInt32());
        Assert.Equal(ids.Take(5), detail.Results.Select(r => r.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task An_empty_page_req_means_the_default_first_page_of_five()
    {
        var ids = await LiveIdsAsync(8);

        var answer = await Host.CallAsync("status", ids, pageReq: "{}");

        Assert.Equal(ids.Take(5), answer.Results.Select(r => r.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Per_page_zero_returns_every_job_on_one_page_in_request_order()
    {
        var ids = await LiveIdsAsync(40);
        ids.Reverse();

        var answer = await Host.CallAsync("detail", ids, pageReq: """{"per_page":0}""");

        Assert.Equal(ids, answer.Results.Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(40, answer.Body.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task The_second_page_holds_the_next_per_page_jobs_and_the_last_page_the_rest()
    {
        var ids = await LiveIdsAsync(7);

        var second = await Host.CallAsync("status", ids, pageReq: """{"cur_page":2,"per_page":3}""");
        var third = await Host.CallAsync("status", ids, pageReq: """{"cur_page":3,"per_page":3}""");

        Assert.Equal(ids.Skip(3).Take(3), second.Results.Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(ids.Skip(6), third.Results.Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(1, third.Body.GetProperty("count").GetInt32());
    }

    [Theory]
    [InlineData("""{"per_page":101}""", "DRS.M00210")]
    [InlineData("""{"per_page":-1}""", "DRS.M00210")]
    [InlineData("""{"cur_page":0,"per_page":10}""", "DRS.M00210")]
    [InlineData("""{"cur_page":3,"per_page":5}""", "DRS.M00211")]
    [InlineData("""{"cur_page":2,"per_page":0}""", "DRS.M00211")]
    [InlineData("""{"cur_page":"1","per_page":5}""", "DRS.M00202")]
    [InlineData("""{"cur_page":1,"per_page":2.5}""", "DRS.M00202")]
    [InlineData("[1,5]", "DRS.M00202")]
    public async Task Bad_paging_rejects_the_whole_batch_with_its_code(string pageReq, string code)
    {
        var ids = await LiveIdsAsync(10);

        foreach (var endpoint in new[] { "status", "detail" })
        {
            var answer = await Host.CallAsync(endpoint, ids, pageReq);

            Assert.Equal(400, answer.Status);
            Assert.Equal(code, answer.ErrorCode);
            Assert.False(answer.Body.TryGetProperty("results", out _), "a rejected batch has the plain error body");
        }
    }

    [Fact]
    public async Task The_last_allowed_page_is_accepted_and_per_page_100_is_in_bounds()
    {
        var ids = await LiveIdsAsync(10);

        var last = await Host.CallAsync("status", ids, """{"cur_page":2,"per_page":5}""");
        var hundred = await Host.CallAsync("status", ids, """{"per_page":100}""");

        Assert.Equal(200, last.Status);
        Assert.Equal(200, hundred.Status);
        Assert.Equal(10, hundred.Results.Length);
    }

    [Fact]
    public async Task Progress_ignores_page_req_and_answers_every_job()
    {
        var ids = await LiveIdsAsync(12);

        var answer = await Host.CallAsync("progress", ids, pageReq: """{"cur_page":9,"per_page":-3}""");

        Assert.Equal(202, answer.Status);
        Assert.Equal(ids, answer.Results.Select(r => r.GetProperty("job_id").GetString()));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("progress")]
    [InlineData("detail")]
    public async Task Malformed_bodies_are_rejected_with_the_right_code(string endpoint)
    {
        Assert.Equal("DRS.M00202", (await Host.CallAsync(endpoint, "not json")).ErrorCode);
        Assert.Equal("DRS.M00202", (await Host.CallAsync(endpoint, "{}")).ErrorCode);
        Assert.Equal("DRS.M00202", (await Host.CallAsync(endpoint, """{"jobs":"9a470239-2308-4bb5-a6bc-1040402fjb21"}""")).ErrorCode);
        Assert.Equal("DRS.M00202", (await Host.CallAsync(endpoint, """{"jobs":[42]}""")).ErrorCode);
        var empty = await Host.CallAsync(endpoint, """{"jobs":[]}""");
        Assert.Equal(400, empty.Status);
        Assert.Equal("DRS.M00201", empty.ErrorCode);
    }

    [Theory]
    [InlineData("status", "9A470239-2308-4bb5-a6bc-1040402fjb21")]
    [InlineData("progress", "9A470239-2308-4bb5-a6bc-1040402fjb21")]
    [InlineData("detail", "9A470239-2308-4bb5-a6bc-1040402fjb21")]
    // A final newline is no part of an ID ($ in the pattern let it through).
    [InlineData("status", "9a470239-2308-4bb5-a6bc-1040402fjb21\n")]
    public async Task One_malformed_id_among_twenty_rejects_the_whole_batch(string endpoint, string malformed)
    {
        var ids = await LiveIdsAsync(19);
        ids.Insert(7, malformed.Replace("\\n", "\n", StringComparison.Ordinal));

        var answer = await Host.CallAsync(endpoint, ids);

        Assert.Equal(400, answer.Status);
        Assert.Equal("DRS.M00202", answer.ErrorCode);
        Assert.Equal("The value of jobId is invalid.", answer.Body.GetProperty("error_msg").GetString());
    }

    [Theory]
    [InlineData("status")]
    [InlineData("progress")]
    [InlineData("detail")]
    public async Task A_duplicate_id_rejects_the_whole_batch(string endpoint)
    {
        var answer = await Host.CallAsync(endpoint, [Incre, IncreFailed, Incre]);

        Assert.Equal(400, answer.Status);
        Assert.Equal("DRS.M00301", answer.ErrorCode);
    }

    [Fact]
    public async Task An_unknown_id_among_known_ones_is_a_per_item_error_in_each_endpoint_shape()
    {
        var status = await Host.CallAsync("status", [Incre, Unknown]);
        var progress = await Host.CallAsync("progress", [Incre, Unknown]);
        var detail = await Host.CallAsync("detail", [Incre, Unknown]);

        Assert.Equal(200, status.Status);
        Assert.Equal(202, progress.Status);
        Assert.Equal(200, detail.Status);
        Assert.Equal($$"""{"id":"{{Unknown}}","error_code":"DRS.M00289","error_message":"The job does not exist."}""", status.Results[1].GetRawText());
        Assert.Equal($$"""{"job_id":"{{Unknown}}","error_code":"DRS.M00289","error_msg":"The job does not exist."}""", progress.Results[1].GetRawText());
        Assert.Equal($$"""{"id":"{{Unknown}}","error_code":"DRS.M00289","error_message":"The job does not exist."}""", detail.Results[1].GetRawText());
        Assert.Equal("INCRE_TRANSFER_STARTED", status.Results[0].GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("status")]
    [InlineData("progress")]
    [InlineData("detail")]
    public async Task When_no_id_exists_the_answer_is_400_and_still_batch_shaped(string endpoint)
    {
        var answer = await Host.CallAsync(endpoint, [Unknown, "0f0e0d0c-0b0a-4909-8807-0605043jb999"]);

        Assert.Equal(400, answer.Status);
        Assert.Equal(2, answer.Body.GetProperty("count").GetInt32());
        Assert.All(answer.Results, r => Assert.Equal("DRS.M00289", r.GetProperty("error_code").GetString()));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("detail")]
    public async Task A_page_of_missing_jobs_is_a_200_when_another_page_of_the_call_has_an_existing_one(string endpoint)
    {
        // The 400 is for a call none of whose IDs exists, not for a page none of whose IDs does.
        var answer = await Host.CallAsync(endpoint, $$$"""{"jobs":["{{{Incre}}}","{{{Unknown}}}"],"page_req":{"cur_page":2,"per_page":1}}""");

        Assert.Equal(200, answer.Status);
        var item = Assert.Single(answer.Results);
        Assert.Equal(Unknown, item.GetProperty("id").GetString());
        Assert.Equal("DRS.M00289", item.GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task A_job_asked_for_under_another_project_does_not_exist()
    {
        var answer = await Host.CallAsync("status", $$"""{"jobs":["{{Incre}}"]}""", project: "11111111111111111111111111111111");

        Assert.Equal(400, answer.Status);
        Assert.Equal("DRS.M00289", answer.Results[0].GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task Progress_answers_202_by_default()
    {
        var answer = await Host.CallAsync("progress", [Incre]);

        Assert.Equal(202, answer.Status);
    }

    [Fact]
    public async Task A_missing_or_empty_token_is_401_before_anything_else()
    {
        var missing = await Host.CallAsync("status", "not json", token: null);
        var empty = await Host.CallAsync("detail", """{"jobs":[]}""", token: "");

        foreach (var answer in new[] { missing, empty })
        {
            Assert.Equal(401, answer.Status);
            Assert.Equal("APIGW.0301", answer.ErrorCode);
            Assert.Equal("Incorrect IAM authentication information: x-auth-token not found", answer.Body.GetProperty("error_msg").GetString());
        }
    }

    [Fact]
    public async Task Every_answer_has_a_32_hex_request_id_and_errors_repeat_it_in_the_body()
    {
        var ok = await Host.CallAsync("status", [Incre]);
        var bad = await Host.CallAsync("status", """{"jobs":[]}""");
        var unauthorized = await Host.CallAsync("status", """{"jobs":[]}""", token: null);

        Assert.Matches(RequestIdPattern(), ok.RequestId);
        Assert.Matches(RequestIdPattern(), bad.RequestId);
        Assert.NotEqual(ok.RequestId, bad.RequestId);
        Assert.Equal(bad.RequestId, bad.Body.GetProperty("request_id").GetString());
        Assert.Equal(unauthorized.RequestId, unauthorized.Body.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task The_progress_example_keeps_its_quirks_on_the_wire()
    {
        var answer = await Host.CallAsync("progress", ["edae91cb-5892-49b6-a529-4921fb26jb21", "f95c5d83-d0c9-42bd-b295-38c31cd1jb15"]);

        var incremental = answer.Results[0];
        Assert.Equal(JsonValueKind.String, incremental.GetProperty("progress").ValueKind);
        Assert.Equal("100", incremental.GetProperty("progress").GetString());
        Assert.Equal("FULL_INCR_TRANS", incremental.GetProperty("task_mode").GetString());
        Assert.Equal(JsonValueKind.String, incremental.GetProperty("process_time").ValueKind);
        Assert.NotEqual("0", incremental.GetProperty("process_time").GetString());
        var complete = answer.Results[1];
        Assert.Equal("-1", complete.GetProperty("incre_trans_delay").GetString());
        Assert.Equal("0", complete.GetProperty("process_time").GetString());
        Assert.Equal("FULL_TRANSFER_COMPLETE", complete.GetProperty("transfer_status").GetString());
        var map = complete.GetProperty("progress_map");
        Assert.Equal(JsonValueKind.Object, map.ValueKind);
        Assert.Equal("""{"completed":"94%","remaining_time":null}""", map.GetProperty("struct").GetRawText());
        Assert.Equal(["struct", "data", "index"], map.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Detail_wire_types_follow_the_facts_and_empty_fields_are_omitted()
    {
        var ids = await LiveIdsAsync(60);

        var answer = await Host.CallAsync("detail", ids);

        foreach (var item in answer.Results)
        {
            AssertNoNulls(item);
            Assert.Equal(JsonValueKind.String, item.GetProperty("create_time").ValueKind);
            Assert.True(long.TryParse(item.GetProperty("create_time").GetString(), out var created) && created > 1_700_000_000_000);
            Assert.Equal(JsonValueKind.String, item.GetProperty("update_time").ValueKind);
            Assert.Equal(JsonValueKind.Number, item.GetProperty("source_endpoint").GetProperty("db_port").ValueKind);
            Assert.Equal(JsonValueKind.Number, item.GetProperty("target_endpoint").GetProperty("db_port").ValueKind);
            Assert.Contains(item.GetProperty("source_endpoint").GetProperty("ssl_link").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
            Assert.Equal(JsonValueKind.Number, item.GetProperty("inst_info").GetProperty("volume_size").ValueKind);
            Assert.Equal(JsonValueKind.Array, item.GetProperty("speed_limit").ValueKind);
            Assert.Contains(item.GetProperty("task_type").GetString(), new[] { "FULL_TRANS", "INCR_TRANS", "FULL_INCR_TRANS" });
            Assert.False(item.GetProperty("source_endpoint").TryGetProperty("db_password", out _));
            Assert.False(item.TryGetProperty("error_msg", out _), "detail says error_message, never error_msg");
        }

        Assert.All(answer.Results, r =>
        {
            Assert.Equal(JsonValueKind.Number, r.GetProperty("node_num").ValueKind);
            Assert.Contains(r.GetProperty("net_type").GetString(), new[] { "vpn", "vpc", "eip" });
            Assert.Contains(r.GetProperty("db_use_type").GetString(), new[] { "migration", "sync", "cloudDataGuard" });
            Assert.NotEqual(0, r.GetProperty("tags").GetArrayLength());
            Assert.Contains(r.GetProperty("source_endpoint").GetProperty("db_type").GetString(), new[] { "mysql", "mongodb", "gaussdbv5", "postgresql", "kafka", "gaussdbv5ha", "taurus" });
        });
        Assert.True(answer.Results.Select(r => r.GetProperty("source_endpoint").GetProperty("db_type").GetString()).Distinct().Count() >= 3, "several engines");
    }

    [Fact]
    public async Task Progress_items_never_carry_nulls_outside_progress_map_and_never_a_percent_sign()
    {
        var ids = await LiveIdsAsync(80);

        var answer = await Host.CallAsync("progress", ids);

        foreach (var item in answer.Results)
        {
            foreach (var p in item.EnumerateObject().Where(p => p.Name != "progress_map"))
            {
                Assert.NotEqual(JsonValueKind.Null, p.Value.ValueKind);
                Assert.Equal(JsonValueKind.String, p.Value.ValueKind);
            }

            Assert.DoesNotContain("%", item.GetProperty("progress").GetString());
            Assert.False(item.TryGetProperty("error_message", out _), "progress says error_msg, never error_message");
        }

        Assert.Contains(answer.Results, r => r.TryGetProperty("progress_map", out var m) && m.ValueKind == JsonValueKind.Object);
    }

    private static void AssertNoNulls(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                Assert.Fail("null on the wire: empty fields must be omitted");
                break;
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    AssertNoNulls(p.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var e in element.EnumerateArray())
                {
                    AssertNoNulls(e);
                }

                break;
            default:
                break;
        }
    }
}
