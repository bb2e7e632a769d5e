using System.Text.Json;
using DrsGraph.Emulator.Tests.Infrastructure;

namespace DrsGraph.Emulator.Tests.Control;

/// <summary>/_emulator/jobs and /_emulator/reset: shaping the data tests run against.</summary>
public sealed class JobsApiTests
{
    private const string Id1 = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeejb01";
    private const string Id2 = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeejb02x";
    private const string OtherProject = "99999999999999999999999999999999";

    [Fact]
    public async Task Posting_ids_creates_those_jobs_at_the_given_status()
    {
        await using var host = await EmulatorHost.StartAsync();

        var created = await host.ControlAsync(HttpMethod.Post, "/_emulator/jobs",
            $$"""{"ids":["{{Id1}}","{{Id2}}"],"status":"FULL_TRANSFER_STARTED","taskMode":"FULL_TRANS","name":"nightly"}""", 201);
        var status = await host.CallAsync("status", [Id1, Id2]);

        Assert.Equal(
            $$"""[{"id":"{{Id1}}","projectId":"{{EmulatorHost.DemoProject}}","name":"nightly","status":"FULL_TRANSFER_STARTED","taskMode":"FULL_TRANS","deleted":false},{"id":"{{Id2}}","projectId":"{{EmulatorHost.DemoProject}}","name":"nightly","status":"FULL_TRANSFER_STARTED","taskMode":"FULL_TRANS","deleted":false}]""",
            created.GetProperty("jobs").GetRawText());
        Assert.All(status.Results, r => Assert.Equal("FULL_TRANSFER_STARTED", r.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Posting_a_count_creates_that_many_jobs_with_realistic_ids_in_the_given_project()
    {
        await using var host = await EmulatorHost.StartAsync();

        var ids = await host.CreateJobsAsync($$"""{"count":3,"projectId":"{{OtherProject}}"}""");
        var inOther = await host.CallAsync("status", $$"""{"jobs":{{JsonSerializer.Serialize(ids)}}}""", project: OtherProject);
        var inDemo = await host.CallAsync("status", ids);
        var listed = await host.ControlAsync(HttpMethod.Get, "/_emulator/jobs?projectId=" + OtherProject);

        Assert.Equal(3, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{7,8}jb[0-9a-z]{2,3}$", id));
        Assert.All(inOther.Results, r => Assert.Equal("CREATING", r.GetProperty("status").GetString()));
        Assert.Equal(400, inDemo.Status);
        Assert.Equal(ids, listed.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("""{"ids":["not-an-id"]}""")]
    [InlineData("""{"ids":["aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeejb01","aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeejb01"]}""")]
    [InlineData("""{"ids":["9a470239-2308-4bb5-a6bc-1040402fjb21"]}""")]
    [InlineData("""{"status":"SLEEPING"}""")]
    [InlineData("""{"taskMode":"HALF_TRANS"}""")]
    [InlineData("""{"status":"INCRE_TRANSFER_STARTED","taskMode":"FULL_TRANS"}""")]
    [InlineData("""{"status":"INCRE_TRANSFER_FAILED","taskMode":"FULL_TRANS"}""")]
    [InlineData("""{"status":"FULL_TRANSFER_STARTED","taskMode":"INCR_TRANS"}""")]
    [InlineData("""{"count":0}""")]
    [InlineData("""{"ids":"x"}""")]
    public async Task Bad_job_requests_are_rejected_with_400(string body)
    {
        await using var host = await EmulatorHost.StartAsync();

        var error = await host.ControlAsync(HttpMethod.Post, "/_emulator/jobs", body, 400);
        var jobs = await host.ControlAsync(HttpMethod.Get, "/_emulator/jobs");

        Assert.False(string.IsNullOrEmpty(error.GetProperty("error").GetString()));
        Assert.Equal(307, jobs.GetProperty("jobs").GetArrayLength());
    }

    [Fact]
    public async Task A_deleted_job_is_deleted_in_status_and_an_error_in_progress_and_detail()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id1}}","{{Id2}}"],"status":"INCRE_TRANSFER_STARTED"}""");

        await host.ControlAsync(HttpMethod.Delete, $"/_emulator/jobs/{Id1}", expectedStatus: 204);
        var status = await host.CallAsync("status", [Id1, Id2]);
        var progress = await host.CallAsync("progress", [Id1, Id2]);
        var detail = await host.CallAsync("detail", [Id1, Id2]);
        var listed = (await host.ControlAsync(HttpMethod.Get, "/_emulator/jobs")).GetProperty("jobs").EnumerateArray()
            .Single(j => j.GetProperty("id").GetString() == Id1);

        Assert.Equal(200, status.Status);
        Assert.Equal($$"""{"id":"{{Id1}}","status":"DELETED"}""", status.Results[0].GetRawText());
        Assert.Equal(202, progress.Status);
        Assert.Equal($$"""{"job_id":"{{Id1}}","error_code":"DRS.M05004","error_msg":"The job has been deleted or released."}""", progress.Results[0].GetRawText());
        Assert.Equal(200, detail.Status);
        Assert.Equal($$"""{"id":"{{Id1}}","error_code":"DRS.M05004","error_message":"The job has been deleted or released."}""", detail.Results[0].GetRawText());
        Assert.True(listed.GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task A_batch_of_only_deleted_jobs_is_a_batch_shaped_400_in_progress_and_detail()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id1}}"]}""");
        await host.ControlAsync(HttpMethod.Delete, $"/_emulator/jobs/{Id1}", expectedStatus: 204);

        var progress = await host.CallAsync("progress", [Id1]);
        var detail = await host.CallAsync("detail", [Id1]);

        Assert.Equal(400, progress.Status);
        Assert.Equal("DRS.M05004", progress.Results[0].GetProperty("error_code").GetString());
        Assert.Equal(400, detail.Status);
        Assert.Equal("DRS.M05004", detail.Results[0].GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task Some_seeded_jobs_are_deleted_and_answer_as_deleted_jobs_do()
    {
        await using var host = await EmulatorHost.StartAsync();
        var deleted = (await host.ControlAsync(HttpMethod.Get, "/_emulator/jobs")).GetProperty("jobs").EnumerateArray()
            .Where(j => j.GetProperty("deleted").GetBoolean())
            .Select(j => j.GetProperty("id").GetString()!)
            .ToList();

        var status = await host.CallAsync("status", deleted);
        var progress = await host.CallAsync("progress", deleted);

        Assert.NotEmpty(deleted);
        Assert.All(status.Results, r => Assert.Equal("DELETED", r.GetProperty("status").GetString()));
        Assert.Equal(400, progress.Status);
        Assert.All(progress.Results, r => Assert.Equal("DRS.M05004", r.GetProperty("error_code").GetString()));
    }

    [Fact]
    public async Task Deleting_an_unknown_job_is_404()
    {
        await using var host = await EmulatorHost.StartAsync();

        await host.ControlAsync(HttpMethod.Delete, $"/_emulator/jobs/{Id1}", expectedStatus: 404);
    }

    [Fact]
    public async Task Reset_restores_the_seed_and_clears_faults_and_the_request_log()
    {
        await using var host = await EmulatorHost.StartAsync();
        var seed = (await host.ControlAsync(HttpMethod.Get, "/_emulator/jobs")).GetRawText();
        await host.CreateJobsAsync($$"""{"ids":["{{Id1}}"]}""");
        await host.ControlAsync(HttpMethod.Delete, "/_emulator/jobs/9a470239-2308-4bb5-a6bc-1040402fjb21", expectedStatus: 204);
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"failNext":5}""");
        await host.CallAsync("status", [Id1]);

        await host.ControlAsync(HttpMethod.Post, "/_emulator/reset", expectedStatus: 204);
        var jobs = (await host.ControlAsync(HttpMethod.Get, "/_emulator/jobs")).GetRawText();
        var faults = await host.ControlAsync(HttpMethod.Get, "/_emulator/faults");
        var requests = await host.ControlAsync(HttpMethod.Get, "/_emulator/requests");
        var example = await host.CallAsync("status", ["9a470239-2308-4bb5-a6bc-1040402fjb21"]);

        Assert.Equal(seed, jobs);
        Assert.Equal(0, faults.GetProperty("failNext").GetInt32());
        Assert.Equal(0, requests.GetProperty("requests").GetArrayLength());
        Assert.Equal("INCRE_TRANSFER_STARTED", example.Results[0].GetProperty("status").GetString());
    }
}
