using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DrsGraph.Emulator.Tests.Infrastructure;

namespace DrsGraph.Emulator.Tests.Jobs;

/// <summary>Jobs live a life driven by the injected TimeProvider, and the three endpoints agree at every instant.</summary>
public sealed partial class LifecycleTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(5);

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-([0-9a-f]{8}jb[0-9a-z]{2}|[0-9a-f]{7}jb[0-9a-z]{3})$")]
    private static partial Regex RealisticId();

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    private static long Long(JsonElement e, string name) => long.Parse(e.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    /// <summary>Advances time step by step, checking consistency at each instant; returns the statuses seen, in order.</summary>
    private static async Task<List<string>> WatchAsync(EmulatorHost host, string id, TimeSpan duration, Action<string, JsonElement, JsonElement, DateTimeOffset>? check = null)
    {
        var seen = new List<string>();
        for (var t = TimeSpan.Zero; t <= duration; t += Step)
        {
            var status = (await host.CallAsync("status", [id])).Results[0];
            var progress = (await host.CallAsync("progress", [id])).Results[0];
            var detail = (await host.CallAsync("detail", [id])).Results[0];
            var s = status.GetProperty("status").GetString()!;
            Assert.Equal(s, progress.GetProperty("transfer_status").GetString());
            Assert.Equal(s, detail.GetProperty("status").GetString());
            check?.Invoke(s, progress, detail, host.Time.GetUtcNow());
            if (seen.Count == 0 || seen[^1] != s)
            {
                seen.Add(s);
            }

            host.Time.Advance(Step);
        }

        return seen;
    }

    [Fact]
    public async Task A_full_and_incremental_job_walks_the_whole_normal_path_and_all_endpoints_agree_at_every_instant()
    {
        await using var host = await EmulatorHost.StartAsync();
        var id = (await host.CreateJobsAsync("""{"status":"CREATING","taskMode":"FULL_INCR_TRANS"}"""))[0];
        var lastProgress = -1;
        var lastRemaining = long.MaxValue;
        var lastUpdate = 0L;
        string? lastStatus = null;
        var createTime = 0L;

        var seen = await WatchAsync(host, id, TimeSpan.FromMinutes(15), (status, progress, detail, now) =>
        {
            var update = Long(detail, "update_time");
            Assert.True(update <= Ms(now), "update_time is never in the future");
            if (status != lastStatus)
            {
                Assert.True(update > Ms(now - Step), $"update_time moves at the transition to {status}");
                Assert.True(update >= lastUpdate);
                lastStatus = status;
                lastUpdate = update;
            }

            createTime = createTime == 0 ? Long(detail, "create_time") : createTime;
            Assert.Equal(createTime, Long(detail, "create_time"));
            Assert.Equal(status is "CREATING" or "CONFIGURATION" ? false : true, detail.TryGetProperty("actual_start_time", out _));
            Assert.Equal(status is "FULL_TRANSFER_COMPLETE" or "INCRE_TRANSFER_STARTED", detail.TryGetProperty("full_transfer_complete_time", out _));
            Assert.Equal("FULL_INCR_TRANS", detail.GetProperty("task_type").GetString());
            Assert.Equal("FULL_INCR_TRANS", progress.GetProperty("task_mode").GetString());

            if (status == "FULL_TRANSFER_STARTED")
            {
                var p = int.Parse(progress.GetProperty("progress").GetString()!, CultureInfo.InvariantCulture);
                var remaining = Long(progress, "remaining_time");
                Assert.InRange(p, lastProgress, 99);
                Assert.True(remaining <= lastRemaining, "remaining_time falls");
                lastProgress = p;
                lastRemaining = remaining;
                var map = progress.GetProperty("progress_map");
                var structDone = map.GetProperty("struct").GetProperty("completed").GetString();
                var dataDone = map.GetProperty("data").GetProperty("completed").GetString();
                var indexDone = map.GetProperty("index").GetProperty("completed").GetString();
                Assert.True(dataDone == "0%" || structDone == "100%", "data starts after the structures");
                Assert.True(indexDone == "0%" || dataDone == "100%", "indexes start after the data");
                Assert.Equal("-1", progress.GetProperty("incre_trans_delay").GetString());
                Assert.Equal("0", progress.GetProperty("process_time").GetString());
            }

            if (status == "INCRE_TRANSFER_STARTED")
            {
                Assert.Equal("100", progress.GetProperty("progress").GetString());
                var delayMs = Long(progress, "incre_trans_delay_millis");
                Assert.Equal(delayMs / 1000, Long(progress, "incre_trans_delay"));
                Assert.Equal(Ms(now) - delayMs, Long(progress, "process_time"));
            }
        });

        Assert.Equal(["CREATING", "CONFIGURATION", "STARTJOBING", "FULL_TRANSFER_STARTED", "FULL_TRANSFER_COMPLETE", "INCRE_TRANSFER_STARTED"], seen);
        Assert.True(lastProgress > 50, "progress rose during the full phase");
    }

    [Fact]
    public async Task A_full_only_job_stops_at_full_transfer_complete()
    {
        await using var host = await EmulatorHost.StartAsync();
        var id = (await host.CreateJobsAsync("""{"taskMode":"FULL_TRANS"}"""))[0];

        var seen = await WatchAsync(host, id, TimeSpan.FromMinutes(20));

        Assert.Equal(["CREATING", "CONFIGURATION", "STARTJOBING", "FULL_TRANSFER_STARTED", "FULL_TRANSFER_COMPLETE"], seen);
    }

    [Fact]
    public async Task An_incremental_only_job_skips_the_full_phases()
    {
        await using var host = await EmulatorHost.StartAsync();
        var id = (await host.CreateJobsAsync("""{"taskMode":"INCR_TRANS"}"""))[0];

        var seen = await WatchAsync(host, id, TimeSpan.FromMinutes(10));

        Assert.Equal(["CREATING", "CONFIGURATION", "STARTJOBING", "INCRE_TRANSFER_STARTED"], seen);
    }

    [Fact]
    public async Task A_stopping_job_releases_its_resources_and_then_stays_stopped()
    {
        await using var host = await EmulatorHost.StartAsync();
        var id = (await host.CreateJobsAsync("""{"status":"RELEASE_RESOURCE_STARTED"}"""))[0];

        var seen = await WatchAsync(host, id, TimeSpan.FromMinutes(3));

        Assert.Equal(["RELEASE_RESOURCE_STARTED", "RELEASE_RESOURCE_COMPLETE"], seen);
    }

    [Theory]
    [InlineData("INCRE_TRANSFER_FAILED")]
    [InlineData("FULL_TRANSFER_FAILED")]
    [InlineData("START_JOB_FAILED")]
    [InlineData("CREATE_FAILED")]
    public async Task A_failed_job_stays_failed_and_its_detail_says_why(string failed)
    {
        await using var host = await EmulatorHost.StartAsync();
        var id = (await host.CreateJobsAsync($$"""{"status":"{{failed}}"}"""))[0];

        host.Time.Advance(TimeSpan.FromHours(6));
        var detail = (await host.CallAsync("detail", [id])).Results[0];
        var status = (await host.CallAsync("status", [id])).Results[0];

        Assert.Equal(failed, detail.GetProperty("status").GetString());
        Assert.Equal(failed, status.GetProperty("status").GetString());
        Assert.StartsWith("DRS.", detail.GetProperty("error_code").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(detail.GetProperty("failed_reason").GetString()));
        // The status and progress items say it too, with each endpoint's spelling of the message; nothing remains to run.
        var progress = (await host.CallAsync("progress", [id])).Results[0];
        var code = detail.GetProperty("error_code").GetString();
        var reason = detail.GetProperty("failed_reason").GetString();
        Assert.Equal((code, reason), (status.GetProperty("error_code").GetString(), status.GetProperty("error_message").GetString()));
        Assert.Equal((code, reason), (progress.GetProperty("error_code").GetString(), progress.GetProperty("error_msg").GetString()));
        Assert.Equal(reason, detail.GetProperty("error_message").GetString());
        Assert.Equal("0", progress.GetProperty("remaining_time").GetString());
    }

    [Fact]
    public async Task A_frozen_job_never_changes()
    {
        await using var host = await EmulatorHost.StartAsync();
        var id = (await host.CreateJobsAsync("""{"status":"FULL_TRANSFER_STARTED","frozen":true}"""))[0];
        var before = (await host.CallAsync("progress", [id])).Results[0].GetRawText();

        host.Time.Advance(TimeSpan.FromHours(2));
        var after = (await host.CallAsync("progress", [id])).Results[0].GetRawText();

        Assert.Equal(before, after);
        Assert.Contains("FULL_TRANSFER_STARTED", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_small_time_scale_makes_the_whole_life_pass_in_seconds()
    {
        await using var host = await EmulatorHost.StartAsync(new Dictionary<string, string?> { ["Emulator:TimeScale"] = "0.01" });
        var id = (await host.CreateJobsAsync("{}"))[0];

        host.Time.Advance(TimeSpan.FromSeconds(10));
        var status = (await host.CallAsync("status", [id])).Results[0];

        Assert.Equal("INCRE_TRANSFER_STARTED", status.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_incremental_delay_of_an_example_job_starts_at_the_pages_zero_and_then_moves()
    {
        await using var host = await EmulatorHost.StartAsync();
        const string id = "8d0e8e36-a618-490d-8a46-8c61ac9jb502";
        var delays = new List<long>();
        var processTimes = new List<long>();

        for (var i = 0; i < 10; i++)
        {
            var progress = (await host.CallAsync("progress", [id])).Results[0];
            delays.Add(Long(progress, "incre_trans_delay_millis"));
            processTimes.Add(Long(progress, "process_time"));
            Assert.Equal(Ms(host.Time.GetUtcNow()) - delays[^1], processTimes[^1]);
            host.Time.Advance(TimeSpan.FromSeconds(20));
        }

        Assert.Equal(0, delays[0]);
        Assert.True(delays.Distinct().Count() > 5, "the delay moves");
        Assert.Equal(processTimes.Order(), processTimes);
    }

    [Fact]
    public async Task Two_emulators_started_at_the_same_fake_time_serve_identical_data()
    {
        await using var first = await EmulatorHost.StartAsync();
        await using var second = await EmulatorHost.StartAsync();

        var jobsA = await first.ControlAsync(HttpMethod.Get, "/_emulator/jobs");
        var jobsB = await second.ControlAsync(HttpMethod.Get, "/_emulator/jobs");
        var ids = jobsA.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()!).Take(100).ToList();
        var detailA = await first.CallAsync("detail", ids);
        var detailB = await second.CallAsync("detail", ids);
        var progressA = await first.CallAsync("progress", ids);
        var progressB = await second.CallAsync("progress", ids);

        Assert.Equal(jobsA.GetRawText(), jobsB.GetRawText());
        Assert.Equal(detailA.Body.GetRawText(), detailB.Body.GetRawText());
        Assert.Equal(progressA.Body.GetRawText(), progressB.Body.GetRawText());
    }

    [Fact]
    public async Task The_seed_holds_the_examples_plus_300_realistic_jobs_spread_over_every_stage()
    {
        await using var host = await EmulatorHost.StartAsync();

        var jobs = (await host.ControlAsync(HttpMethod.Get, "/_emulator/jobs")).GetProperty("jobs").EnumerateArray().ToList();
        var generated = jobs.Skip(7).ToList();

        Assert.Equal(307, jobs.Count);
        Assert.All(generated, j => Assert.Matches(RealisticId(), j.GetProperty("id").GetString()));
        var statuses = generated.Select(j => j.GetProperty("status").GetString()).ToHashSet();
        foreach (var expected in new[]
        {
            "CREATING", "CONFIGURATION", "STARTJOBING", "FULL_TRANSFER_STARTED", "FULL_TRANSFER_COMPLETE", "INCRE_TRANSFER_STARTED",
            "CREATE_FAILED", "START_JOB_FAILED", "FULL_TRANSFER_FAILED", "INCRE_TRANSFER_FAILED", "PAUSING",
            "RELEASE_RESOURCE_STARTED", "RELEASE_RESOURCE_COMPLETE",
        })
        {
            Assert.Contains(expected, statuses);
        }

        Assert.Contains(generated, j => j.GetProperty("taskMode").GetString() == "FULL_TRANS");
        Assert.Contains(generated, j => j.GetProperty("taskMode").GetString() == "INCR_TRANS");
    }

    /// <remarks>A full-only job ends at FULL_TRANSFER_COMPLETE; an incremental-only one never has a full phase: now and as the fleet moves on.</remarks>
    [Fact]
    public async Task Every_seeded_job_s_status_fits_its_task_mode_as_time_passes()
    {
        await using var host = await EmulatorHost.StartAsync();

        foreach (var step in new[] { TimeSpan.Zero, TimeSpan.FromMinutes(10), TimeSpan.FromHours(2), TimeSpan.FromDays(2) })
        {
            host.Time.Advance(step);
            var jobs = (await host.ControlAsync(HttpMethod.Get, "/_emulator/jobs")).GetProperty("jobs").EnumerateArray().ToList();
            Assert.All(jobs, j =>
            {
                var (mode, status) = (j.GetProperty("taskMode").GetString(), j.GetProperty("status").GetString()!);
                Assert.False(mode == "FULL_TRANS" && status.StartsWith("INCRE_", StringComparison.Ordinal), $"{j.GetProperty("id")}: {mode} in {status}");
                Assert.False(mode == "INCR_TRANS" && status.StartsWith("FULL_TRANSFER_", StringComparison.Ordinal), $"{j.GetProperty("id")}: {mode} in {status}");
            });
        }
    }

    [Fact]
    public async Task Seeded_jobs_move_on_as_time_passes()
    {
        await using var host = await EmulatorHost.StartAsync();
        var jobs = (await host.ControlAsync(HttpMethod.Get, "/_emulator/jobs")).GetProperty("jobs");
        var before = jobs.EnumerateArray().Select(j => j.GetProperty("status").GetString()).ToList();

        host.Time.Advance(TimeSpan.FromMinutes(10));
        var after = (await host.ControlAsync(HttpMethod.Get, "/_emulator/jobs")).GetProperty("jobs")
            .EnumerateArray().Select(j => j.GetProperty("status").GetString()).ToList();

        Assert.True(before.Zip(after).Count(p => p.First != p.Second) >= 20, "many seeded jobs change status within ten minutes");
        Assert.Equal("STARTJOBING", before[5]);
        Assert.NotEqual("STARTJOBING", after[5]);
    }
}
