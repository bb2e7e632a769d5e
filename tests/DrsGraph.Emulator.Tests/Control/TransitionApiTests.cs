using System.Globalization;
using System.Text.Json;
using DrsGraph.Emulator.Tests.Infrastructure;

namespace DrsGraph.Emulator.Tests.Control;

/// <summary>POST /_emulator/jobs/{id}/transition: moving a job at once, so tests and demos can trigger changes.</summary>
public sealed class TransitionApiTests
{
    private const string Id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeejb01";
    private const string OtherProject = "99999999999999999999999999999999";
    private const string Transition = $"/_emulator/jobs/{Id}/transition";

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    private static long Long(JsonElement e, string name) => long.Parse(e.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    /// <summary>The job as the three batch calls show it now, checked to agree on the status.</summary>
    private static async Task<(string Status, JsonElement Progress, JsonElement Detail)> ReadAsync(EmulatorHost host, string id = Id)
    {
        var status = (await host.CallAsync("status", [id])).Results[0].GetProperty("status").GetString()!;
        var progress = (await host.CallAsync("progress", [id])).Results[0];
        var detail = (await host.CallAsync("detail", [id])).Results[0];
        Assert.Equal(status, progress.GetProperty("transfer_status").GetString());
        Assert.Equal(status, detail.GetProperty("status").GetString());
        return (status, progress, detail);
    }

    [Fact]
    public async Task Moving_the_status_shows_in_all_three_batch_calls_at_once_with_consistent_history()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id}}"],"status":"CREATING","taskMode":"FULL_INCR_TRANS"}""");
        host.Time.Advance(TimeSpan.FromSeconds(10));
        var before = await ReadAsync(host);

        var moved = await host.ControlAsync(HttpMethod.Post, Transition, """{"status":"INCRE_TRANSFER_STARTED"}""");
        var (status, progress, detail) = await ReadAsync(host);
        var now = Ms(host.Time.GetUtcNow());

        Assert.Equal("CREATING", before.Status);
        Assert.Equal("INCRE_TRANSFER_STARTED", moved.GetProperty("jobs")[0].GetProperty("status").GetString());
        Assert.Equal("INCRE_TRANSFER_STARTED", status);
        Assert.Equal("100", progress.GetProperty("progress").GetString());
        Assert.Equal(Long(before.Detail, "create_time"), Long(detail, "create_time"));
        Assert.Equal(now, Long(detail, "update_time"));
        Assert.Equal(now, Long(detail, "actual_start_time"));
        Assert.Equal(now, Long(detail, "full_transfer_complete_time"));
        Assert.True(Long(before.Detail, "update_time") <= Long(detail, "update_time"));
    }

    [Fact]
    public async Task Moving_the_progress_of_a_running_full_transfer_keeps_its_status_and_it_carries_on_from_there()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id}}"],"status":"FULL_TRANSFER_STARTED","taskMode":"FULL_INCR_TRANS"}""");
        host.Time.Advance(TimeSpan.FromSeconds(5));
        var before = await ReadAsync(host);

        await host.ControlAsync(HttpMethod.Post, Transition, """{"progress":42}""");
        var (status, progress, detail) = await ReadAsync(host);
        host.Time.Advance(TimeSpan.FromSeconds(5));
        var later = await ReadAsync(host);
        host.Time.Advance(TimeSpan.FromMinutes(10));
        var done = await ReadAsync(host);

        Assert.Equal("FULL_TRANSFER_STARTED", status);
        Assert.Equal("42", progress.GetProperty("progress").GetString());
        Assert.Equal("100%", progress.GetProperty("progress_map").GetProperty("struct").GetProperty("completed").GetString());
        Assert.Equal(Long(before.Detail, "update_time"), Long(detail, "update_time"));
        Assert.InRange(int.Parse(later.Progress.GetProperty("progress").GetString()!, CultureInfo.InvariantCulture), 42, 99);
        Assert.Equal("INCRE_TRANSFER_STARTED", done.Status);
    }

    [Fact]
    public async Task Status_progress_and_frozen_at_once_hold_the_job_where_it_was_put()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id}}"],"status":"CREATING"}""");

        await host.ControlAsync(HttpMethod.Post, Transition, """{"status":"FULL_TRANSFER_STARTED","progress":42,"frozen":true}""");
        var (status, progress, detail) = await ReadAsync(host);
        host.Time.Advance(TimeSpan.FromHours(6));
        var later = await ReadAsync(host);

        Assert.Equal("FULL_TRANSFER_STARTED", status);
        Assert.Equal("42", progress.GetProperty("progress").GetString());
        Assert.Equal(Ms(host.Time.GetUtcNow() - TimeSpan.FromHours(6)), Long(detail, "actual_start_time"));
        Assert.Equal(status, later.Status);
        Assert.Equal(progress.GetRawText(), later.Progress.GetRawText());
        Assert.Equal(detail.GetRawText(), later.Detail.GetRawText());
    }

    [Fact]
    public async Task Freezing_holds_a_job_and_thawing_resumes_it_where_it_stopped()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id}}"],"status":"FULL_TRANSFER_STARTED","taskMode":"FULL_TRANS"}""");
        host.Time.Advance(TimeSpan.FromSeconds(20));

        await host.ControlAsync(HttpMethod.Post, Transition, """{"frozen":true}""");
        var frozen = await ReadAsync(host);
        host.Time.Advance(TimeSpan.FromHours(1));
        await host.ControlAsync(HttpMethod.Post, Transition, """{"frozen":false}""");
        var thawed = await ReadAsync(host);
        host.Time.Advance(TimeSpan.FromHours(1));
        var finished = await ReadAsync(host);

        Assert.Equal("FULL_TRANSFER_STARTED", thawed.Status);
        Assert.Equal(frozen.Progress.GetProperty("progress").GetString(), thawed.Progress.GetProperty("progress").GetString());
        Assert.Equal(Long(frozen.Detail, "update_time"), Long(thawed.Detail, "update_time"));
        Assert.Equal("FULL_TRANSFER_COMPLETE", finished.Status);
    }

    [Theory]
    [InlineData("FULL_TRANSFER_FAILED", 77)]
    [InlineData("PAUSING", 30)]
    [InlineData("FULL_TRANSFER_STARTED", 0)]
    public async Task Progress_can_be_set_where_the_job_stopped_part_way_through_the_full_phase(string stopped, int percent)
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id}}"],"status":"FULL_TRANSFER_STARTED","taskMode":"FULL_TRANS"}""");
        host.Time.Advance(TimeSpan.FromSeconds(30));

        await host.ControlAsync(HttpMethod.Post, Transition, $$"""{"status":"{{stopped}}","progress":{{percent}}}""");
        var (status, progress, _) = await ReadAsync(host);

        Assert.Equal(stopped, status);
        Assert.Equal(percent.ToString(CultureInfo.InvariantCulture), progress.GetProperty("progress").GetString());
    }

    [Fact]
    public async Task A_full_only_job_is_never_moved_into_the_incremental_phase()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id}}"],"status":"FULL_TRANSFER_STARTED","taskMode":"FULL_TRANS"}""");

        var error = await host.ControlAsync(HttpMethod.Post, Transition, """{"status":"INCRE_TRANSFER_STARTED"}""", 400);
        var (status, _, _) = await ReadAsync(host);

        Assert.Contains("FULL_TRANS job has no incremental phase", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("FULL_TRANSFER_STARTED", status);
    }

    [Fact]
    public async Task The_incremental_delay_is_set_to_exactly_what_was_asked()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id}}"],"status":"INCRE_TRANSFER_STARTED"}""");

        await host.ControlAsync(HttpMethod.Post, Transition, """{"incrementalDelaySeconds":3}""");
        host.Time.Advance(TimeSpan.FromMinutes(7));
        var (status, progress, _) = await ReadAsync(host);

        Assert.Equal("INCRE_TRANSFER_STARTED", status);
        Assert.Equal("3", progress.GetProperty("incre_trans_delay").GetString());
        Assert.Equal("3000", progress.GetProperty("incre_trans_delay_millis").GetString());
        Assert.Equal(Ms(host.Time.GetUtcNow()) - 3000, Long(progress, "process_time"));
    }

    [Theory]
    [InlineData("INCRE_TRANSFER_FAILED", "DRS.M03098")]
    [InlineData("RELEASE_RESOURCE_COMPLETE", null)]
    [InlineData("CREATE_FAILED", "DRS.M03002")]
    public async Task A_job_moved_to_a_terminal_status_stays_there(string terminal, string? errorCode)
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id}}"],"status":"INCRE_TRANSFER_STARTED"}""");

        await host.ControlAsync(HttpMethod.Post, Transition, $$"""{"status":"{{terminal}}"}""");
        var (status, _, detail) = await ReadAsync(host);
        host.Time.Advance(TimeSpan.FromDays(2));
        var later = await ReadAsync(host);

        Assert.Equal(terminal, status);
        Assert.Equal(errorCode, detail.TryGetProperty("error_code", out var code) ? code.GetString() : null);
        Assert.Equal(Ms(host.Time.GetUtcNow() - TimeSpan.FromDays(2)), Long(detail, "update_time"));
        Assert.Equal(terminal, later.Status);
        Assert.Equal(Long(detail, "update_time"), Long(later.Detail, "update_time"));
    }

    [Fact]
    public async Task Moving_a_job_to_deleted_deletes_it_and_a_deleted_job_no_longer_moves()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id}}"],"status":"INCRE_TRANSFER_STARTED"}""");

        await host.ControlAsync(HttpMethod.Post, Transition, """{"status":"DELETED"}""");
        var status = await host.CallAsync("status", [Id]);
        var progress = await host.CallAsync("progress", [Id]);
        var error = await host.ControlAsync(HttpMethod.Post, Transition, """{"status":"INCRE_TRANSFER_STARTED"}""", 409);

        Assert.Equal($$"""{"id":"{{Id}}","status":"DELETED"}""", status.Results[0].GetRawText());
        Assert.Equal("DRS.M05004", progress.Results[0].GetProperty("error_code").GetString());
        Assert.Contains("deleted", error.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}", "at least one")]
    [InlineData("""{"status":"SLEEPING"}""", "Unknown status SLEEPING")]
    [InlineData("""{"progress":101}""", "progress must be 0..100")]
    [InlineData("""{"progress":-1}""", "progress must be 0..100")]
    [InlineData("""{"progress":4.5}""", "not a valid transition request")]
    [InlineData("""{"incrementalDelaySeconds":-1}""", "incrementalDelaySeconds must be")]
    [InlineData("""{"status":"CREATING","incrementalDelaySeconds":3}""", "INCRE_TRANSFER_STARTED only")]
    [InlineData("""{"status":"CREATING","progress":42}""", "always reports progress 0")]
    [InlineData("""{"status":"INCRE_TRANSFER_STARTED","progress":42}""", "always reports progress 100")]
    [InlineData("""{"status":"DELETED","progress":42}""", "DELETED takes no progress")]
    [InlineData("""{"status":3}""", "not a valid transition request")]
    public async Task Bad_transitions_are_rejected_with_400_and_leave_the_job_as_it_was(string body, string message)
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id}}"],"status":"FULL_TRANSFER_STARTED"}""");
        var before = await ReadAsync(host);

        var error = await host.ControlAsync(HttpMethod.Post, Transition, body, 400);
        var after = await ReadAsync(host);

        Assert.Contains(message, error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before.Progress.GetRawText(), after.Progress.GetRawText());
        Assert.Equal(before.Detail.GetRawText(), after.Detail.GetRawText());
    }

    [Fact]
    public async Task A_malformed_id_is_400_and_an_unknown_job_or_one_of_another_project_is_404()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CreateJobsAsync($$"""{"ids":["{{Id}}"],"projectId":"{{OtherProject}}"}""");

        var malformed = await host.ControlAsync(HttpMethod.Post, "/_emulator/jobs/not-an-id/transition", """{"status":"CREATING"}""", 400);
        var unknown = await host.ControlAsync(HttpMethod.Post, "/_emulator/jobs/bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeejb01/transition", """{"status":"CREATING"}""", 404);
        var elsewhere = await host.ControlAsync(HttpMethod.Post, Transition, $$"""{"projectId":"{{EmulatorHost.DemoProject}}","status":"CONFIGURATION"}""", 404);
        var moved = await host.ControlAsync(HttpMethod.Post, Transition, $$"""{"projectId":"{{OtherProject}}","status":"CONFIGURATION"}""");

        Assert.Contains("not a job ID", malformed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("No job bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeejb01.", unknown.GetProperty("error").GetString());
        Assert.Equal($"No job {Id} in project {EmulatorHost.DemoProject}.", elsewhere.GetProperty("error").GetString());
        Assert.Equal(OtherProject, moved.GetProperty("jobs")[0].GetProperty("projectId").GetString());
        Assert.Equal("CONFIGURATION", moved.GetProperty("jobs")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_seeded_job_can_be_moved_back_into_a_fresh_full_transfer()
    {
        await using var host = await EmulatorHost.StartAsync();
        const string seeded = "dc67695a-ee3e-49b8-a022-a099bd81jb21";
        var before = await ReadAsync(host, seeded);

        await host.ControlAsync(HttpMethod.Post, $"/_emulator/jobs/{seeded}/transition", """{"status":"FULL_TRANSFER_STARTED","progress":10}""");
        var (status, progress, detail) = await ReadAsync(host, seeded);

        Assert.Equal("INCRE_TRANSFER_FAILED", before.Status);
        Assert.Equal("FULL_TRANSFER_STARTED", status);
        Assert.Equal("10", progress.GetProperty("progress").GetString());
        Assert.False(detail.TryGetProperty("full_transfer_complete_time", out _));
        Assert.False(detail.TryGetProperty("error_code", out _));
        Assert.Equal(Long(before.Detail, "create_time"), Long(detail, "create_time"));
        Assert.Equal(Long(before.Detail, "actual_start_time"), Long(detail, "actual_start_time"));
    }
}
