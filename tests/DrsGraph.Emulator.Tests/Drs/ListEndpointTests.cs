using System.Text.Json;
using DrsGraph.Emulator.Tests.Infrastructure;

namespace DrsGraph.Emulator.Tests.Drs;

/// <summary>The job list call, <c>POST /v3/{project_id}/jobs</c>: paging, validation, filters, subtasks, faults, log.</summary>
public sealed class ListEndpointTests
{
    private const string Project = "7e1f0b2c3d4e5f60718293a4b5c6d7e8";

    private static string[] IdsOf(DrsAnswer answer) => [.. answer.Jobs.Select(j => j.GetProperty("id").GetString()!)];

    private static async Task<List<string>> CreateAsync(EmulatorHost host, string fields, string project = Project) =>
        await host.CreateJobsAsync($$"""{"projectId":"{{project}}",{{fields}}}""");

    [Fact]
    public async Task Paging_over_250_jobs_returns_every_job_once_newest_first()
    {
        await using var host = await EmulatorHost.StartAsync();
        var older = await CreateAsync(host, """ "count":150,"dbUseType":"migration" """);
        host.Time.Advance(TimeSpan.FromMinutes(1));
        var newer = await CreateAsync(host, """ "count":100,"dbUseType":"migration" """);

        var pages = new List<DrsAnswer>();
        for (var page = 1; page <= 3; page++)
        {
            pages.Add(await host.ListAsync($$"""{"cur_page":{{page}},"per_page":100,"db_use_type":"migration"}""", project: Project));
        }

        Assert.All(pages, p => Assert.Equal(200, p.Status));
        Assert.All(pages, p => Assert.Equal(250, p.Body.GetProperty("total_record").GetInt32()));
        Assert.Equal([100, 100, 50], pages.Select(p => p.Jobs.Length));
        var all = pages.SelectMany(IdsOf).ToList();
        Assert.Equal(250, all.Distinct().Count());
        Assert.Equal(older.Concat(newer).Order(StringComparer.Ordinal), all.Order(StringComparer.Ordinal));
        Assert.Equal(newer.Order(StringComparer.Ordinal), all.Take(100).Order(StringComparer.Ordinal));
        var created = pages.SelectMany(p => p.Jobs).Select(j => long.Parse(j.GetProperty("create_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(created.OrderDescending(), created);

        var everything = await host.ListAsync("""{"cur_page":1,"per_page":0,"db_use_type":"migration"}""", project: Project);
        Assert.Equal(all, IdsOf(everything));
        var pastTheEnd = await host.ListAsync("""{"cur_page":4,"per_page":100,"db_use_type":"migration"}""", project: Project);
        Assert.Equal(200, pastTheEnd.Status);
        Assert.Empty(pastTheEnd.Jobs);
        Assert.Equal(250, pastTheEnd.Body.GetProperty("total_record").GetInt32());
    }

    [Fact]
    public async Task Without_paging_fields_the_first_ten_jobs_are_answered()
    {
        await using var host = await EmulatorHost.StartAsync();
        await CreateAsync(host, """ "count":25,"dbUseType":"sync" """);

        var answer = await host.ListAsync("""{"db_use_type":"sync"}""", project: Project);

        Assert.Equal(10, answer.Jobs.Length);
        Assert.Equal(25, answer.Body.GetProperty("total_record").GetInt32());
    }

    [Theory]
    [InlineData("""{"cur_page":1,"per_page":10}""", "DRS.M00202", "db_use_type is required")]
    [InlineData("""{"cur_page":1,"per_page":10,"db_use_type":"backup"}""", "DRS.M00202", "db_use_type is invalid")]
    [InlineData("""{"cur_page":1,"per_page":101,"db_use_type":"sync"}""", "DRS.M00210", "paging")]
    [InlineData("""{"cur_page":0,"per_page":10,"db_use_type":"sync"}""", "DRS.M00210", "paging")]
    [InlineData("""{"cur_page":2,"per_page":0,"db_use_type":"sync"}""", "DRS.M00210", "paging")]
    [InlineData("""{"cur_page":"1","per_page":10,"db_use_type":"sync"}""", "DRS.M00202", "Invalid parameter")]
    [InlineData("""{"cur_page":1,"per_page":10,"db_use_type":"sync","net_type":"lan"}""", "DRS.M00202", "net_type")]
    [InlineData("""{"cur_page":1,"per_page":10,"db_use_type":"sync","status":"RUNNING"}""", "DRS.M00202", "status")]
    [InlineData("""{"cur_page":1,"per_page":10,"db_use_type":"sync","tags":{"env":1}}""", "DRS.M00202", "Invalid parameter")]
    [InlineData("""[1,2]""", "DRS.M00202", "Invalid parameter")]
    [InlineData("""not json""", "DRS.M00202", "Invalid parameter")]
    public async Task A_bad_body_is_refused_whole_with_a_drs_error_body(string body, string code, string messagePart)
    {
        await using var host = await EmulatorHost.StartAsync();

        var answer = await host.ListAsync(body);

        Assert.Equal(400, answer.Status);
        Assert.Equal(code, answer.ErrorCode);
        Assert.Contains(messagePart, answer.Body.GetProperty("error_msg").GetString(), StringComparison.Ordinal);
        Assert.Equal(answer.RequestId, answer.Body.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task More_than_100_ids_in_name_are_refused()
    {
        await using var host = await EmulatorHost.StartAsync();
        var ids = await CreateAsync(host, """ "count":101,"dbUseType":"sync" """);

        var answer = await host.ListAsync($$"""{"cur_page":1,"per_page":0,"db_use_type":"sync","name":"{{string.Join(',', ids)}}"}""", project: Project);
        var hundred = await host.ListAsync($$"""{"cur_page":1,"per_page":0,"db_use_type":"sync","name":"{{string.Join(',', ids.Take(100))}}"}""", project: Project);

        Assert.Equal(400, answer.Status);
        Assert.Equal("DRS.M00202", answer.ErrorCode);
        Assert.Equal(ids.Take(100).Order(StringComparer.Ordinal), IdsOf(hundred).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Filters_narrow_the_list_and_combine()
    {
        await using var host = await EmulatorHost.StartAsync();
        var syncVpn = await CreateAsync(host, """ "count":3,"dbUseType":"sync","netType":"vpn","engineType":"mysql","status":"INCRE_TRANSFER_FAILED","name":"orders-eu" """);
        var syncEip = await CreateAsync(host, """ "count":2,"dbUseType":"sync","netType":"eip","engineType":"mongodb","status":"INCRE_TRANSFER_STARTED","enterpriseProjectId":"eps-1" """);
        var migration = await CreateAsync(host, """ "count":4,"dbUseType":"migration","netType":"vpn","engineType":"mysql","status":"INCRE_TRANSFER_FAILED" """);

        async Task<string[]> ListAsync(string filters) =>
            [.. IdsOf(await host.ListAsync($$"""{"cur_page":1,"per_page":0,{{filters}}}""", project: Project)).Order(StringComparer.Ordinal)];

        Assert.Equal(syncVpn.Concat(syncEip).Order(StringComparer.Ordinal), await ListAsync(""" "db_use_type":"sync" """));
        Assert.Equal(migration.Order(StringComparer.Ordinal), await ListAsync(""" "db_use_type":"migration" """));
        Assert.Equal(syncVpn.Order(StringComparer.Ordinal), await ListAsync(""" "db_use_type":"sync","status":"INCRE_TRANSFER_FAILED" """));
        Assert.Equal(syncEip.Order(StringComparer.Ordinal), await ListAsync(""" "db_use_type":"sync","net_type":"eip" """));
        Assert.Equal(syncEip.Order(StringComparer.Ordinal), await ListAsync(""" "db_use_type":"sync","engine_type":"mongodb" """));
        Assert.Equal(syncEip.Order(StringComparer.Ordinal), await ListAsync(""" "db_use_type":"sync","enterprise_project_id":"eps-1" """));
        Assert.Equal(syncVpn.Order(StringComparer.Ordinal), await ListAsync(""" "db_use_type":"sync","name":"ORDERS" """));
        Assert.Equal(new[] { syncVpn[0], syncEip[1] }.Order(StringComparer.Ordinal), await ListAsync($$""" "db_use_type":"sync","name":"{{syncVpn[0]}}, {{syncEip[1]}}" """));
        Assert.Empty(await ListAsync(""" "db_use_type":"sync","net_type":"vpc" """));
        Assert.Empty(await ListAsync(""" "db_use_type":"cloudDataGuard" """));
    }

    [Fact]
    public async Task The_tags_filter_keeps_jobs_carrying_every_pair()
    {
        await using var host = await EmulatorHost.StartAsync();
        var ids = await CreateAsync(host, """ "count":30,"dbUseType":"sync" """);
        var details = await host.CallAsync("detail", """{"jobs":""" + JsonSerializer.Serialize(ids) + ""","page_req":{"per_page":0}}""", project: Project);
        var tagsOf = details.Results.ToDictionary(
            r => r.GetProperty("id").GetString()!,
            r => r.GetProperty("tags").EnumerateArray().Select(t => (t.GetProperty("key").GetString()!, t.GetProperty("value").GetString()!)).ToHashSet());
        var wanted = ("env", "prod");
        var expected = tagsOf.Where(t => t.Value.Contains(wanted)).Select(t => t.Key).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);

        var answer = await host.ListAsync("""{"cur_page":1,"per_page":0,"db_use_type":"sync","tags":{"env":"prod"}}""", project: Project);

        Assert.Equal(expected, IdsOf(answer).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Subtasks_are_listed_as_their_parents_children_only()
    {
        await using var host = await EmulatorHost.StartAsync();
        var parent = (await CreateAsync(host, """ "dbUseType":"migration","status":"INCRE_TRANSFER_STARTED" """)).Single();
        var children = await CreateAsync(host, $$""" "count":2,"dbUseType":"migration","status":"CHILD_TRANSFER_STARTED","parentId":"{{parent}}" """);
        var other = (await CreateAsync(host, """ "dbUseType":"migration" """)).Single();

        var answer = await host.ListAsync("""{"cur_page":1,"per_page":10,"db_use_type":"migration"}""", project: Project);

        Assert.Equal(2, answer.Body.GetProperty("total_record").GetInt32());
        Assert.Equal(new[] { other, parent }.Order(StringComparer.Ordinal), IdsOf(answer).Order(StringComparer.Ordinal));
        var listed = answer.Jobs.Single(j => j.GetProperty("id").GetString() == parent);
        var kids = listed.GetProperty("children").EnumerateArray().ToList();
        Assert.Equal(children.Order(StringComparer.Ordinal), kids.Select(k => k.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(kids, k => Assert.Equal("CHILD_TRANSFER_STARTED", k.GetProperty("status").GetString()));
        // Same shape as a listed job, as the README says: with an empty children of their own.
        Assert.All(kids, k => Assert.Equal(JsonValueKind.Array, k.GetProperty("children").ValueKind));
        Assert.All(kids, k => Assert.Empty(k.GetProperty("children").EnumerateArray()));
        Assert.Empty(answer.Jobs.Single(j => j.GetProperty("id").GetString() == other).GetProperty("children").EnumerateArray());
        // billing_tag and node_newFramework are booleans the SDKs always expect, on jobs and subtasks alike.
        Assert.All(answer.Jobs.Concat(kids), j =>
        {
            Assert.False(j.GetProperty("billing_tag").GetBoolean());
            Assert.False(j.GetProperty("node_newFramework").GetBoolean());
        });

        // The subtasks are ordinary jobs for the batch calls.
        var status = await host.CallAsync("status", """{"jobs":""" + JsonSerializer.Serialize(children) + "}", project: Project);
        Assert.All(status.Results, r => Assert.Equal("CHILD_TRANSFER_STARTED", r.GetProperty("status").GetString()));

        // batch-detail names a subtask's parent, and only a subtask's.
        var details = await host.CallAsync("detail", """{"jobs":""" + JsonSerializer.Serialize(children.Append(parent)) + ""","page_req":{"per_page":0}}""", project: Project);
        var byId = details.Results.ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.All(children, c => Assert.Equal(parent, byId[c].GetProperty("parent_id").GetString()));
        Assert.False(byId[parent].TryGetProperty("parent_id", out _));
    }

    [Fact]
    public async Task The_list_describes_the_seed_jobs_as_the_batch_calls_do()
    {
        await using var host = await EmulatorHost.StartAsync();
        var listed = new List<JsonElement>();
        foreach (var useType in new[] { "migration", "sync", "cloudDataGuard" })
        {
            var answer = await host.ListAsync($$"""{"cur_page":1,"per_page":0,"db_use_type":"{{useType}}"}""");
            Assert.Equal(answer.Jobs.Length, answer.Body.GetProperty("total_record").GetInt32());
            Assert.All(answer.Jobs, j => Assert.Equal(useType, j.GetProperty("db_use_type").GetString()));
            listed.AddRange(answer.Jobs);
        }

        var ids = listed.Select(j => j.GetProperty("id").GetString()!).ToList();
        Assert.Equal(307, ids.Distinct().Count());
        var details = await host.CallAsync("detail", """{"jobs":""" + JsonSerializer.Serialize(ids) + ""","page_req":{"per_page":0}}""");
        var detailById = details.Results.ToDictionary(r => r.GetProperty("id").GetString()!);
        foreach (var job in listed)
        {
            var id = job.GetProperty("id").GetString()!;
            if (!detailById.TryGetValue(id, out var detail) || detail.TryGetProperty("error_code", out var code) && code.GetString() == "DRS.M05004")
            {
                Assert.Equal("DELETED", job.GetProperty("status").GetString());
                continue;
            }

            Assert.Equal(detail.GetProperty("status").GetString(), job.GetProperty("status").GetString());
            Assert.Equal(detail.GetProperty("name").GetString(), job.GetProperty("name").GetString());
            Assert.Equal(detail.GetProperty("create_time").GetString(), job.GetProperty("create_time").GetString());
            Assert.Equal(detail.GetProperty("task_type").GetString(), job.GetProperty("task_type").GetString());
            Assert.Equal(detail.GetProperty("net_type").GetString(), job.GetProperty("net_type").GetString());
            Assert.Equal(detail.GetProperty("job_direction").GetString(), job.GetProperty("job_direction").GetString());
        }
    }

    [Fact]
    public async Task Faults_reach_the_list_only_when_it_is_named_and_the_log_shows_the_call()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"failNext":1,"failureStatus":503}""");
        var unaffected = await host.ListAsync("""{"cur_page":2,"per_page":5,"db_use_type":"sync","status":"PAUSING","tags":{"env":"prod"}}""");
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"failNext":1,"failureStatus":503,"endpoints":["list"]}""");
        var failed = await host.ListAsync("""{"cur_page":1,"per_page":5,"db_use_type":"sync"}""");
        var unauthenticated = await host.ListAsync("""{"cur_page":1,"per_page":5,"db_use_type":"sync"}""", token: null);

        Assert.Equal(200, unaffected.Status);
        Assert.Equal(503, failed.Status);
        Assert.Equal("DRS.M00004", failed.ErrorCode);
        Assert.Equal(401, unauthenticated.Status);
        var log = (await host.ControlAsync(HttpMethod.Get, "/_emulator/requests")).GetProperty("requests").EnumerateArray().ToList();
        Assert.Equal(["list", "list", "list"], log.Select(r => r.GetProperty("endpoint").GetString()));
        Assert.Equal(["none", "failure", "none"], log.Select(r => r.GetProperty("fault").GetString()));
        var first = log[0];
        Assert.Equal(2, first.GetProperty("pageReq").GetProperty("curPage").GetInt32());
        Assert.Equal(5, first.GetProperty("pageReq").GetProperty("perPage").GetInt32());
        Assert.Equal("sync", first.GetProperty("listQuery").GetProperty("dbUseType").GetString());
        Assert.Equal("PAUSING", first.GetProperty("listQuery").GetProperty("status").GetString());
        Assert.Equal("prod", first.GetProperty("listQuery").GetProperty("tags").GetProperty("env").GetString());
    }

    [Fact]
    public async Task The_control_api_refuses_unknown_list_fields()
    {
        await using var host = await EmulatorHost.StartAsync();

        await host.ControlAsync(HttpMethod.Post, "/_emulator/jobs", """{"dbUseType":"backup"}""", 400);
        await host.ControlAsync(HttpMethod.Post, "/_emulator/jobs", """{"netType":"lan"}""", 400);
        await host.ControlAsync(HttpMethod.Post, "/_emulator/jobs", """{"parentId":"0f0e0d0c-0b0a-4909-8807-060504jb0302"}""", 400);
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"endpoints":["jobs"]}""", 400);
    }
}
