using System.Text.Json.Nodes;
using DrsGraph.Gateway.Subscriptions;

namespace DrsGraph.Gateway.Tests.Subscriptions;

/// <summary>
/// The jobUpdates subscription end to end below the transports: the gateway's executer, its hub and
/// pollers, the real DRS client and the emulator. Jobs are frozen, so they change only when a test
/// changes them (deleting a job moves it to DELETED, a terminal status).
/// </summary>
public sealed class JobUpdatesTests(SubscriptionRig rig) : IClassFixture<SubscriptionRig>
{
    private const string StatusOnly = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { id status isTerminal } changes observedAt } }";

    private const string WithDetail = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { id status detail { name status } } changes observedAt } }";

    [Fact]
    public async Task Each_job_first_gets_one_initial_event_with_its_current_state()
    {
        var ids = await rig.CreateJobsAsync(3);
        using var subscription = await rig.SubscribeAsync(StatusOnly, new { ids });

        Assert.True(subscription.Started, subscription.Result.ToJsonString());
        var events = await subscription.NextAsync(3);
        Assert.Equal(ids.Order(), events.Select(e => Update(e)["job"]!["id"]!.GetValue<string>()).Order());
        foreach (var e in events)
        {
            Assert.Null(e["errors"]);
            Assert.Equal(["INITIAL"], Changes(e));
            Assert.Equal("FULL_TRANSFER_STARTED", Update(e)["job"]!["status"]!.GetValue<string>());
            Assert.False(Update(e)["job"]!["isTerminal"]!.GetValue<bool>());
            Assert.NotNull(Update(e)["observedAt"]);
        }

        // Frozen jobs do not change: polls go on, nothing more is sent.
        await rig.WaitForTicksAsync(3);
        Assert.Equal(0, subscription.Pending);
        Assert.False(subscription.IsCompleted);
    }

    [Fact]
    public async Task A_status_change_gives_exactly_one_event_saying_what_changed_and_the_stream_completes_when_every_job_is_terminal()
    {
        var ids = await rig.CreateJobsAsync(2);
        using var subscription = await rig.SubscribeAsync(WithDetail, new { ids });
        var initial = await subscription.NextAsync(2);
        Assert.All(initial, e => Assert.Equal(["INITIAL"], Changes(e)));
        Assert.All(initial, e => Assert.Equal("FULL_TRANSFER_STARTED", Update(e)["job"]!["detail"]!["status"]!.GetValue<string>()));

        await rig.DeleteJobAsync(ids[0]);
        var change = await subscription.NextAsync();
        Assert.Equal(ids[0], Update(change)["job"]!["id"]!.GetValue<string>());
        Assert.Equal(["STATUS", "DETAIL"], Changes(change));
        Assert.Equal("DELETED", Update(change)["job"]!["status"]!.GetValue<string>());
        // DRS answers a deleted job's detail with its own error: on that field's path, the event stands.
        var error = Assert.Single(change["errors"]!.AsArray())!;
        Assert.Equal(["jobUpdates", "job", "detail"], error["path"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal("DRS.M05004", error["extensions"]!["code"]!.GetValue<string>());

        await rig.WaitForTicksAsync(3);
        Assert.Equal(0, subscription.Pending);
        Assert.False(subscription.IsCompleted);

        await rig.DeleteJobAsync(ids[1]);
        var last = await subscription.NextAsync();
        Assert.Equal(ids[1], Update(last)["job"]!["id"]!.GetValue<string>());
        Assert.Equal(["STATUS", "DETAIL"], Changes(last));
        await subscription.CompletedAsync();
        Assert.Equal(0, subscription.Pending);
    }

    [Fact]
    public async Task Progress_is_reported_only_to_subscribers_that_selected_it()
    {
        var moving = await rig.CreateJobsAsync(1, frozen: false);
        using var statusOnly = await rig.SubscribeAsync(StatusOnly, new { ids = moving });
        using var withProgress = await rig.SubscribeAsync(
            "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { status ...P } changes } } fragment P on Job { progress { percent remainingSeconds } }", new { ids = moving });
        await statusOnly.NextAsync();
        var initial = await withProgress.NextAsync();
        Assert.Equal(["INITIAL"], Changes(initial));
        Assert.NotNull(Update(initial)["job"]!["progress"]);

        // The emulator's jobs move with its clock: a few minutes later the full transfer has progressed.
        rig.Time.Advance(TimeSpan.FromMinutes(3));
        var change = await withProgress.NextAsync();
        Assert.Contains("PROGRESS", Changes(change));
        Assert.NotEqual(Update(initial)["job"]!["progress"]!.ToJsonString(), Update(change)["job"]!["progress"]!.ToJsonString());

        await rig.WaitForTicksAsync(2);
        // The status-only subscriber hears of it only if the status itself changed.
        while (statusOnly.Pending > 0)
        {
            Assert.DoesNotContain("PROGRESS", Changes(await statusOnly.NextAsync()));
        }
    }

    [Fact]
    public async Task An_unknown_job_is_an_error_on_its_event_path_not_the_end_of_the_subscription()
    {
        var known = await rig.CreateJobsAsync(1);
        const string unknown = "00000000-0000-4000-8000-00000000jb99";
        using var subscription = await rig.SubscribeAsync(StatusOnly, new { ids = new[] { known[0], unknown } });

        var events = await subscription.NextAsync(2);
        var missing = events.Single(e => e["errors"] is not null);
        // Each field that needed the job's status fails with DRS's own code, on its path.
        var errors = missing["errors"]!.AsArray();
        Assert.Equal(
            [["jobUpdates", "job", "isTerminal"], ["jobUpdates", "job", "status"]],
            errors.Select(e => e!["path"]!.AsArray().Select(p => p!.GetValue<string>()).ToArray()).OrderBy(p => p[2], StringComparer.Ordinal));
        Assert.All(errors, e => Assert.Equal("DRS.M00289", e!["extensions"]!["code"]!.GetValue<string>()));
        Assert.Null(Update(missing)["job"]!["status"]);
        Assert.Equal(unknown, Update(missing)["job"]!["id"]!.GetValue<string>());
        Assert.Equal(["INITIAL"], Changes(missing));

        // The other job still reports, and the stream is not over while it is open.
        await rig.WaitForTicksAsync(3);
        Assert.False(subscription.IsCompleted);
        await rig.DeleteJobAsync(known[0]);
        var change = await subscription.NextAsync();
        Assert.Equal(known[0], Update(change)["job"]!["id"]!.GetValue<string>());
        Assert.Equal(["STATUS"], Changes(change));
        // Now every job is terminal or unknown to DRS: the stream completes (an unknown ID alone never would).
        await subscription.CompletedAsync();
        Assert.Equal(0, subscription.Pending);
    }

    [Fact]
    public async Task A_subscription_of_only_unknown_jobs_completes_after_their_first_events()
    {
        const string unknown = "00000000-0000-4000-8000-00000000jb98";
        using var subscription = await rig.SubscribeAsync(StatusOnly, new { ids = new[] { unknown } });
        var only = await subscription.NextAsync();
        Assert.Equal(["INITIAL"], Changes(only));
        Assert.Equal("DRS.M00289", only["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        await subscription.CompletedAsync();
    }

    [Theory]
    [InlineData("[\"not-a-job-id\"]", "INVALID_JOB_ID")]
    [InlineData(null, "TOO_MANY_JOB_IDS")]
    // An empty list completed the stream at once without an event, as if every job had ended.
    [InlineData("[]", "NO_JOB_IDS")]
    public async Task Bad_ids_are_refused_before_any_stream_starts(string? ids, string code)
    {
        var list = ids ?? SubscriptionRig.IdList(Enumerable.Range(0, 31).Select(i => $"00000000-0000-4000-8000-{i:d8}jb01"));
        using var subscription = await rig.SubscribeAsync($"subscription {{ jobUpdates(ids: {list}) {{ changes }} }}");

        Assert.False(subscription.Started);
        var error = Assert.Single(subscription.Errors)!;
        Assert.Equal(code, error["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal(["jobUpdates"], error["path"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Fact]
    public async Task A_caller_without_a_token_is_refused_before_any_stream_starts()
    {
        var ids = await rig.CreateJobsAsync(1);
        using var subscription = await rig.SubscribeAsync(StatusOnly, new { ids }, token: null);

        Assert.False(subscription.Started);
        Assert.Equal("UNAUTHENTICATED", Assert.Single(subscription.Errors)!["extensions"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_token_DRS_refuses_ends_that_token_s_subscriptions_with_UNAUTHENTICATED_and_nobody_else_s()
    {
        var ids = await rig.CreateJobsAsync(2);
        var logged = rig.Gateway.Logs.Entries.Count;
        using var good = await rig.SubscribeAsync(StatusOnly, new { ids });
        using var refused = await rig.SubscribeAsync(StatusOnly, new { ids }, token: SubscriptionRig.RefusedToken);
        using var refusedToo = await rig.SubscribeAsync(StatusOnly, new { ids }, token: SubscriptionRig.RefusedToken);

        // Both subscribers of the refused scope end alike, each with an error of its own (one location, one path).
        foreach (var subscription in new[] { refused, refusedToo })
        {
            var end = await subscription.NextAsync();
            await subscription.CompletedAsync();
            Assert.Null(end["data"]);
            var error = Assert.Single(end["errors"]!.AsArray())!;
            Assert.Equal("UNAUTHENTICATED", error["extensions"]!["code"]!.GetValue<string>());
            Assert.Equal(["jobUpdates"], error["path"]!.AsArray().Select(p => p!.GetValue<string>()));
            Assert.Single(error["locations"]!.AsArray());
        }

        // The other token's polls are its own: its subscriber got its jobs, and goes on.
        var events = await good.NextAsync(2);
        Assert.All(events, e => Assert.Null(e["errors"]));
        Assert.False(good.IsCompleted);

        // One fault, one line: the DRS client's (the subscriptions it ended are a Debug line).
        var faultLines = rig.Gateway.Logs.Entries.Skip(logged)
            .Where(e => !e.StartsWith("Debug", StringComparison.Ordinal) && !e.StartsWith("Trace", StringComparison.Ordinal))
            .Where(e => e.Contains("Unauthorized", StringComparison.Ordinal) || e.Contains("refused", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.StartsWith("Warning DrsGraph.DrsClient", Assert.Single(faultLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_tokens_watching_the_same_jobs_use_separate_polls_and_no_event_crosses()
    {
        await rig.NoSubscriptionsLeftAsync();
        var ids = await rig.CreateJobsAsync(2);
        using var a = await rig.SubscribeAsync(StatusOnly, new { ids });
        using var b = await rig.SubscribeAsync(StatusOnly, new { ids }, token: SubscriptionRig.OtherToken);
        await a.NextAsync(2);
        await b.NextAsync(2);
        Assert.Equal(2, rig.Hub.Statistics.Pollers);

        await rig.DeleteJobAsync(ids[0]);
        Assert.Equal(["STATUS"], Changes(await a.NextAsync()));
        Assert.Equal(["STATUS"], Changes(await b.NextAsync()));
        await rig.WaitForTicksAsync(3);
        Assert.Equal(0, a.Pending);
        Assert.Equal(0, b.Pending);
    }

    [Fact]
    public async Task Two_hundred_subscriptions_over_twenty_jobs_cost_at_most_one_batch_status_call_per_tick()
    {
        await rig.NoSubscriptionsLeftAsync();
        var ids = await rig.CreateJobsAsync(20);
        await rig.ClearUpstreamLogAsync();
        var ticksBefore = rig.Hub.Statistics.Ticks;

        var subscriptions = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => rig.SubscribeAsync(StatusOnly, new { ids })));
        try
        {
            foreach (var subscription in subscriptions)
            {
                await subscription.NextAsync(20);
            }

            Assert.Equal(new SubscriptionStatistics(200, 1, 20, rig.Hub.Statistics.Ticks), rig.Hub.Statistics);
            await rig.WaitForTicksAsync(5);
            var ticks = rig.Hub.Statistics.Ticks - ticksBefore;
            var statusCalls = (await rig.UpstreamCallsAsync()).Count(c => c.Endpoint == "status" && c.JobIds!.Intersect(ids).Any());
            // One more than the ticks counted: a poll may be under way while the log is read.
            Assert.InRange(statusCalls, 5, ticks + 1);
            // Nobody selected progress or detail: the polls never ask for them.
            Assert.DoesNotContain(await rig.UpstreamCallsAsync(), c => c.Endpoint != "status" && c.JobIds!.Intersect(ids).Any());
            Assert.All(subscriptions, s => Assert.Equal(0, s.Pending));
        }
        finally
        {
            foreach (var subscription in subscriptions)
            {
                subscription.Dispose();
            }
        }
    }

    [Fact]
    public async Task An_upstream_failure_during_a_subscription_gives_a_stale_marked_event_not_the_end()
    {
        var ids = await rig.CreateJobsAsync(1);
        using var subscription = await rig.SubscribeAsync(
            "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { status statusFreshness { stale } } changes } }", new { ids });
        var initial = await subscription.NextAsync();
        Assert.False(Update(initial)["job"]!["statusFreshness"]!["stale"]!.GetValue<bool>());

        await rig.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 503, endpoints = new[] { "status" } });
        try
        {
            var stale = await subscription.NextAsync();
            Assert.Equal(["STATUS"], Changes(stale));
            Assert.True(Update(stale)["job"]!["statusFreshness"]!["stale"]!.GetValue<bool>());
            Assert.Equal("FULL_TRANSFER_STARTED", Update(stale)["job"]!["status"]!.GetValue<string>());
            Assert.False(subscription.IsCompleted);
        }
        finally
        {
            await rig.ClearFaultsAsync();
        }

        var recovered = await subscription.NextAsync();
        Assert.Equal(["STATUS"], Changes(recovered));
        Assert.False(Update(recovered)["job"]!["statusFreshness"]!["stale"]!.GetValue<bool>());
        Assert.False(subscription.IsCompleted);
    }

    [Fact]
    public async Task What_a_poll_finds_is_in_the_cache_for_ordinary_queries()
    {
        var ids = await rig.CreateJobsAsync(1);
        using (var subscription = await rig.SubscribeAsync(StatusOnly, new { ids }))
        {
            await subscription.NextAsync();
            await rig.DeleteJobAsync(ids[0]);
            Assert.Equal("DELETED", Update(await subscription.NextAsync())["job"]!["status"]!.GetValue<string>());
            await subscription.CompletedAsync();
        }

        // Within the status TTL of the first answer a query would otherwise be served FULL_TRANSFER_STARTED
        // from the cache: the poll stored what it found, and the query needs no DRS call.
        await rig.ClearUpstreamLogAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { query = $"{{ job(id: \"{ids[0]}\") {{ status }} }}" }),
        };
        request.Headers.Add("X-Auth-Token", SubscriptionRig.Token);
        using var response = await rig.Client.SendAsync(request);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("DELETED", answer["data"]!["job"]!["status"]!.GetValue<string>());
        Assert.DoesNotContain(await rig.UpstreamCallsAsync(), c => c.JobIds!.Contains(ids[0]));
    }

    private static JsonNode Update(JsonObject e) => e["data"]!["jobUpdates"]!;

    private static string[] Changes(JsonObject e) => [.. Update(e)["changes"]!.AsArray().Select(c => c!.GetValue<string>())];
}
