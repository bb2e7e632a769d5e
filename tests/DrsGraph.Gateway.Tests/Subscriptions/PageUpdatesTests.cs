using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.GraphQLStreaming;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Subscriptions;

/// <summary>
/// A subscription rig whose tokens may use several projects, so each test watches a project of its own; no list
/// cache (a new job shows at the next tick), a low ceiling of candidates and of jobs per caller, to reach them.
/// </summary>
public sealed class PageWatchRig : SubscriptionRig
{
    private readonly string[] _projects = [.. Enumerable.Range(0, 24).Select(_ => Guid.NewGuid().ToString("N"))];
    private int _next;

    public const int MaxLocalCandidates = 20;

    public const int MaxPages = 6;

    protected override IEnumerable<(string Key, string? Value)> Settings =>
    [
        ("Gateway:Cache:ListTtl", "00:00:00"),
        ("Gateway:Browse:MaxLocalCandidates", MaxLocalCandidates.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Gateway:Subscriptions:MaxJobsPerCaller", "60"),
        ("Gateway:Subscriptions:MaxPagesPerCaller", $"{MaxPages}"),
    ];

    protected override IEnumerable<KeyValuePair<string, string?>> EmulatorSettings =>
        _projects.Select((project, i) => new KeyValuePair<string, string?>($"Emulator:Tenants:{Token}:{i + 1}", project));

    /// <summary>A project nobody else in the class uses.</summary>
    public string NewProject() => _projects[Interlocked.Increment(ref _next) - 1];

    /// <summary>Creates <paramref name="count"/> frozen jobs in <paramref name="project"/>.</summary>
    public async Task<List<string>> CreateInAsync(string project, int count, string status = "FULL_TRANSFER_STARTED")
    {
        var response = await EmulatorClient.PostAsJsonAsync("/_emulator/jobs", new { projectId = project, count, status, taskMode = "FULL_INCR_TRANS", dbUseType = "migration", frozen = true });
        response.EnsureSuccessStatusCode();
        return [.. (await response.Content.ReadFromJsonAsync<JsonObject>())!["jobs"]!.AsArray().Select(job => job!["id"]!.GetValue<string>())];
    }

    /// <summary>
    /// Creates a job newer than every other: a job's create time is some hours before it reached its status, so the
    /// emulator's clock first moves on a month.
    /// </summary>
    public async Task<string> CreateNewestAsync(string project)
    {
        Time.Advance(TimeSpan.FromDays(30));
        return (await CreateInAsync(project, 1)).Single();
    }

    /// <summary>The project's jobs newest first, as <c>projectJobs</c> lists them.</summary>
    public async Task<List<string>> NewestFirstAsync(string project) =>
        [.. (await QueryAsync(project, "{ projectJobs(first: 50) { nodes { id } } }")).AssertNoErrors().Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => n!["id"]!.GetValue<string>())];

    public async Task TransitionAsync(string project, string id, string? status = null, int? progress = null)
    {
        var response = await EmulatorClient.PostAsJsonAsync($"/_emulator/jobs/{id}/transition", new { projectId = project, status, progress, frozen = true });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public Task<GraphQLAnswer> QueryAsync(string project, string query) =>
        Gateway.QueryAsync(query, Token, null, [new("X-Project-Id", project)]);
}

/// <summary>
/// <c>projectJobsUpdates</c>: a page of a project's jobs, watched through the hub's shared page pollers, the real
/// DRS client and the emulator (its transition API changes jobs while a test watches), below and through the transports.
/// </summary>
public sealed class PageUpdatesTests(PageWatchRig rig) : IClassFixture<PageWatchRig>
{
    private const string FirstTwo =
        "subscription { projectJobsUpdates(first: 2) { changes observedAt page { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id status } } } } }";

    [Fact]
    public async Task The_first_event_is_the_page_projectJobs_answers_and_a_new_job_on_top_moves_it_once()
    {
        var project = rig.NewProject();
        await rig.CreateInAsync(project, 3);
        var ids = await rig.NewestFirstAsync(project);
        using var subscription = await rig.SubscribeAsync(FirstTwo, project: project);
        Assert.True(subscription.Started, subscription.Result.ToJsonString());

        var initial = await subscription.NextAsync();
        Assert.Null(initial["errors"]);
        Assert.Equal(["INITIAL"], Changes(initial));
        var query = (await rig.QueryAsync(project, "{ projectJobs(first: 2) { totalCount nodes { id status } } }")).AssertNoErrors().Data!["projectJobs"]!;
        Assert.Equal(NodeIds(query["nodes"]!), PageIds(initial));
        Assert.Equal(ids[..2], PageIds(initial));
        Assert.Equal(3, Page(initial)["totalCount"]!.GetValue<int>());
        Assert.True(Page(initial)["pageInfo"]!["hasNextPage"]!.GetValue<bool>());

        // Frozen jobs do not change: polls go on, nothing is sent.
        await rig.WaitForTicksAsync(3);
        Assert.Equal(0, subscription.Pending);

        var newest = await rig.CreateNewestAsync(project);
        var moved = await subscription.NextAsync();
        Assert.Equal(["MEMBERSHIP", "TOTAL_COUNT"], Changes(moved));
        Assert.Equal([newest, ids[0]], PageIds(moved));
        Assert.Equal(4, Page(moved)["totalCount"]!.GetValue<int>());

        // The page's cursors page on in projectJobs.
        var after = Page(moved)["pageInfo"]!["endCursor"]!.GetValue<string>();
        var rest = (await rig.QueryAsync(project, $"{{ projectJobs(first: 2, after: \"{after}\") {{ nodes {{ id }} pageInfo {{ hasNextPage }} }} }}")).AssertNoErrors().Data!["projectJobs"]!;
        Assert.Equal(ids[1..], NodeIds(rest["nodes"]!));
        Assert.False(rest["pageInfo"]!["hasNextPage"]!.GetValue<bool>());

        await rig.WaitForTicksAsync(3);
        Assert.Equal(0, subscription.Pending);
        Assert.False(subscription.IsCompleted);
    }

    [Fact]
    public async Task A_status_change_on_the_page_is_sent_one_off_the_page_is_not_and_a_filtered_page_loses_the_job()
    {
        var project = rig.NewProject();
        await rig.CreateInAsync(project, 3);
        var ids = await rig.NewestFirstAsync(project);
        using var all = await rig.SubscribeAsync(FirstTwo, project: project);
        using var started = await rig.SubscribeAsync(
            "subscription { projectJobsUpdates(first: 2, where: { status: { eq: FULL_TRANSFER_STARTED } }) { changes page { totalCount nodes { id status } } } }", project: project);
        await all.NextAsync();
        var startedInitial = await started.NextAsync();
        Assert.Equal(ids[..2], NodeIds(Page(startedInitial)["nodes"]!));

        // The oldest job is on neither page: its change is news only as the filtered page's total.
        await rig.TransitionAsync(project, ids[2], status: "INCRE_TRANSFER_STARTED");
        await rig.WaitForTicksAsync(4);
        Assert.Equal(0, all.Pending);
        var left = await started.NextAsync();
        Assert.Equal(["TOTAL_COUNT"], Changes(left));
        Assert.Equal(2, Page(left)["totalCount"]!.GetValue<int>());

        await rig.TransitionAsync(project, ids[1], status: "FULL_TRANSFER_FAILED");
        var changed = await all.NextAsync();
        Assert.Equal(["STATUS"], Changes(changed));
        Assert.Equal("FULL_TRANSFER_FAILED", Page(changed)["edges"]![1]!["node"]!["status"]!.GetValue<string>());
        var filtered = await started.NextAsync();
        Assert.Equal(["MEMBERSHIP", "TOTAL_COUNT"], Changes(filtered));
        Assert.Equal([ids[0]], NodeIds(Page(filtered)["nodes"]!));

        await rig.WaitForTicksAsync(3);
        Assert.Equal(0, all.Pending);
        Assert.Equal(0, started.Pending);
    }

    [Fact]
    public async Task A_page_with_cursors_is_not_sent_again_for_a_total_it_does_not_select()
    {
        var project = rig.NewProject();
        await rig.CreateInAsync(project, 2);
        var ids = await rig.NewestFirstAsync(project);
        const string Arguments = "first: 1, where: { status: { eq: FULL_TRANSFER_STARTED } }";
        // Cursors carry the time they were issued, so every poll issues new ones for the same page.
        using var cursors = await rig.SubscribeAsync(
            $"subscription {{ projectJobsUpdates({Arguments}) {{ changes page {{ pageInfo {{ startCursor endCursor }} edges {{ cursor node {{ id progress {{ percent }} }} }} }} }} }}", project: project);
        using var total = await rig.SubscribeAsync(
            $"subscription {{ projectJobsUpdates({Arguments}) {{ changes page {{ totalCount edges {{ node {{ id progress {{ percent }} }} }} }} }} }}", project: project);
        var initial = await cursors.NextAsync();
        Assert.Equal(["INITIAL"], Changes(initial));
        Assert.Equal([ids[0]], PageIds(initial));
        Assert.Equal(["INITIAL"], Changes(await total.NextAsync()));

        // The job off the page leaves the filter: only the total moves, which the cursors subscriber does not show
        // (while its cursors, which carry the gateway's time in seconds, are issued anew).
        var cursor = Page(initial)["pageInfo"]!["endCursor"]!.GetValue<string>();
        await NewCursorAsync(project, cursor, Arguments);
        await rig.TransitionAsync(project, ids[1], status: "INCRE_TRANSFER_STARTED");
        Assert.Equal(["TOTAL_COUNT"], Changes(await total.NextAsync()));

        // Its next event is the next change it shows, not the same page with new cursors.
        await rig.TransitionAsync(project, ids[0], progress: 40);
        Assert.Equal(["PROGRESS"], Changes(await total.NextAsync()));
        var moved = await cursors.NextAsync();
        Assert.Equal(["PROGRESS"], Changes(moved));
        Assert.Equal(40, Page(moved)["edges"]![0]!["node"]!["progress"]!["percent"]!.GetValue<double>());
        Assert.NotEqual(cursor, Page(moved)["pageInfo"]!["endCursor"]!.GetValue<string>());
        await rig.WaitForTicksAsync(3);
        Assert.Equal(0, cursors.Pending);
    }

    [Fact]
    public async Task A_page_sorted_by_progress_reorders_when_progress_moves_and_says_so_only_to_who_selected_progress()
    {
        var project = rig.NewProject();
        var ids = await rig.CreateInAsync(project, 3);
        for (var i = 0; i < ids.Count; i++)
        {
            await rig.TransitionAsync(project, ids[i], progress: (i + 1) * 10);
        }

        using var withProgress = await rig.SubscribeAsync(
            "subscription { projectJobsUpdates(order: [{ progressPercent: DESC }]) { changes page { nodes { id progress { percent } } } } }", project: project);
        using var idsOnly = await rig.SubscribeAsync(
            "subscription { projectJobsUpdates(order: [{ progressPercent: DESC }]) { changes page { nodes { id } } } }", project: project);
        var initial = await withProgress.NextAsync();
        Assert.Equal([ids[2], ids[1], ids[0]], NodeIds(Page(initial)["nodes"]!));
        Assert.Equal(30, Page(initial)["nodes"]![0]!["progress"]!["percent"]!.GetValue<double>());
        await idsOnly.NextAsync();

        await rig.TransitionAsync(project, ids[0], progress: 50);
        var reordered = await withProgress.NextAsync();
        Assert.Equal(["ORDER", "PROGRESS"], Changes(reordered));
        Assert.Equal([ids[0], ids[2], ids[1]], NodeIds(Page(reordered)["nodes"]!));
        Assert.Equal(["ORDER"], Changes(await idsOnly.NextAsync()));

        // A progress that moves without changing the order is news only for the subscriber that shows it.
        await rig.TransitionAsync(project, ids[1], progress: 25);
        Assert.Equal(["PROGRESS"], Changes(await withProgress.NextAsync()));
        await rig.WaitForTicksAsync(3);
        Assert.Equal(0, idsOnly.Pending);
    }

    [Fact]
    public async Task Subscriptions_of_the_same_page_share_one_poller_and_one_list_call_per_tick()
    {
        await rig.NoSubscriptionsLeftAsync();
        var project = rig.NewProject();
        await rig.CreateInAsync(project, 3);
        var subscriptions = new List<SubscriptionUnderTest>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                subscriptions.Add(await rig.SubscribeAsync(FirstTwo, project: project));
            }

            foreach (var subscription in subscriptions)
            {
                Assert.Equal(["INITIAL"], Changes(await subscription.NextAsync()));
            }

            Assert.Equal(1, rig.Hub.Statistics.Pollers);
            await rig.ClearUpstreamLogAsync();
            var before = rig.Hub.Statistics.Ticks;
            await rig.WaitForTicksAsync(4);
            var lists = (await rig.UpstreamCallsAsync()).Count(c => c.Endpoint == "list" && c.ProjectId == project);
            var ticks = rig.Hub.Statistics.Ticks - before;
            // An unfiltered list is one call per use type (DRS requires one); one poll at most was in flight when the
            // log was read. One poll per subscriber would be four times as many.
            Assert.InRange(lists, 3 * (ticks - 1), 3 * (ticks + 1));

            // Another page is another poller.
            subscriptions.Add(await rig.SubscribeAsync(FirstTwo.Replace("first: 2", "first: 3", StringComparison.Ordinal), project: project));
            await subscriptions[^1].NextAsync();
            Assert.Equal(2, rig.Hub.Statistics.Pollers);
        }
        finally
        {
            subscriptions.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_watched_page_of_failed_migration_jobs_with_progress_costs_a_list_call_and_a_page_progress_call_per_tick()
    {
        await rig.NoSubscriptionsLeftAsync();
        var project = rig.NewProject();
        var failed = await rig.CreateInAsync(project, 3, status: "FULL_TRANSFER_FAILED");
        await rig.CreateInAsync(project, 2);
        using var subscription = await rig.SubscribeAsync(
            "subscription { projectJobsUpdates(first: 20, where: { useType: { eq: MIGRATION }, isFailed: { eq: true } }) { page { nodes { id status progress { percent } } } } }", project: project);
        var initial = await subscription.NextAsync();
        Assert.Equal(failed.Order(), NodeIds(Page(initial)["nodes"]!).Order());

        await rig.ClearUpstreamLogAsync();
        var before = rig.Hub.Statistics.Ticks;
        await rig.WaitForTicksAsync(3);
        var calls = (await rig.UpstreamCallsAsync()).Where(c => c.ProjectId == project).ToList();
        var ticks = rig.Hub.Statistics.Ticks - before;
        // The list (MIGRATION pushed down: one call) says the statuses; batch-progress asks the page's failed jobs only.
        Assert.All(calls, c => Assert.Contains(c.Endpoint, new[] { "list", "progress" }));
        Assert.InRange(calls.Count(c => c.Endpoint == "list"), ticks - 1, ticks + 1);
        Assert.InRange(calls.Count(c => c.Endpoint == "progress"), ticks - 1, ticks + 1);
        Assert.All(calls.Where(c => c.Endpoint == "progress"), c => Assert.Equal(failed.Order(), c.JobIds!.Order()));
    }

    [Theory]
    [InlineData("first: 2, after: \"bm90IGEgY3Vyc29y\"", "INVALID_CURSOR")]
    [InlineData("first: 51", "PAGE_SIZE_EXCEEDED")]
    [InlineData("first: 2, last: 2", "INVALID_PAGING_ARGUMENTS")]
    [InlineData("where: { status: { in: [] }, or: [] }", "INVALID_FILTER")]
    public async Task Bad_arguments_are_refused_before_the_stream_starts(string arguments, string code)
    {
        using var subscription = await rig.SubscribeAsync($"subscription {{ projectJobsUpdates({arguments}) {{ changes }} }}", project: rig.NewProject());
        Assert.False(subscription.Started);
        Assert.Equal(code, subscription.Errors.Single()!["extensions"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_cursor_of_another_filter_is_refused_and_pages_count_their_size_against_the_caller()
    {
        var project = rig.NewProject();
        await rig.CreateInAsync(project, 3);
        var cursor = (await rig.QueryAsync(project, "{ projectJobs(first: 1, where: { isFailed: { eq: false } }) { pageInfo { endCursor } } }")).AssertNoErrors()
            .Data!["projectJobs"]!["pageInfo"]!["endCursor"]!.GetValue<string>();
        using var foreign = await rig.SubscribeAsync($"subscription {{ projectJobsUpdates(first: 1, after: \"{cursor}\") {{ changes }} }}", project: project);
        Assert.Equal("INVALID_CURSOR", foreign.Errors.Single()!["extensions"]!["code"]!.GetValue<string>());

        // The same cursor with its own filter starts from the job after it.
        using var own = await rig.SubscribeAsync($"subscription {{ projectJobsUpdates(first: 1, after: \"{cursor}\", where: {{ isFailed: {{ eq: false }} }}) {{ page {{ pageInfo {{ hasPreviousPage }} }} }} }}", project: project);
        Assert.True((await own.NextAsync())["data"]!["projectJobsUpdates"]!["page"]!["pageInfo"]!["hasPreviousPage"]!.GetValue<bool>());

        // 60 jobs per caller: a 50-job page fits once (with the 1-job page above), not twice.
        using var big = await rig.SubscribeAsync("subscription { projectJobsUpdates(first: 50) { changes } }", project: project);
        Assert.True(big.Started);
        using var second = await rig.SubscribeAsync("subscription { projectJobsUpdates(first: 50) { changes } }", project: project);
        Assert.False(second.Started);
        Assert.Equal("TOO_MANY_WATCHED_JOBS", second.Errors.Single()!["extensions"]!["code"]!.GetValue<string>());
    }

    /// <remarks>A size-0 page walks the list at every tick as any page does, but counted nothing against the watched-jobs ceilings.</remarks>
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(50, 50)]
    public void A_page_counts_its_size_and_at_least_one_job(int size, int counted) =>
        Assert.Equal(counted, DrsGraph.Gateway.Subscriptions.WatchDemand.Page(size).JobCount);

    [Fact]
    public async Task A_caller_watches_at_most_MaxPagesPerCaller_pages_and_a_closed_one_makes_room()
    {
        await rig.NoSubscriptionsLeftAsync();
        var project = rig.NewProject();
        await rig.CreateInAsync(project, 1);
        var pages = new List<SubscriptionUnderTest>();
        try
        {
            for (var i = 0; i < PageWatchRig.MaxPages; i++)
            {
                pages.Add(await rig.SubscribeAsync($"subscription {{ projectJobsUpdates(first: {i + 1}) {{ changes }} }}", project: project));
                Assert.True(pages[^1].Started, pages[^1].Result.ToJsonString());
            }

            using var refused = await rig.SubscribeAsync("subscription { projectJobsUpdates(first: 1) { changes } }", project: project);
            Assert.Equal("TOO_MANY_WATCHED_PAGES", refused.Errors.Single()!["extensions"]!["code"]!.GetValue<string>());
            // Watching jobs by ID is not a page: still allowed.
            var ids = await rig.CreateInAsync(SubscriptionRig.Project, 1);
            using var byIds = await rig.SubscribeAsync("subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { changes } }", new { ids });
            Assert.True(byIds.Started, byIds.Result.ToJsonString());

            pages[0].Dispose();
            using var admitted = await rig.SubscribeAsync("subscription { projectJobsUpdates(first: 1) { changes } }", project: project);
            Assert.True(admitted.Started, admitted.Result.ToJsonString());
            Assert.Equal(["INITIAL"], Changes(await admitted.NextAsync()));
        }
        finally
        {
            pages.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task A_failing_list_is_sent_once_as_FAILED_with_no_page_and_the_page_comes_back_as_RECOVERED()
    {
        var project = rig.NewProject();
        await rig.CreateInAsync(project, 2);
        var ids = await rig.NewestFirstAsync(project);
        using var subscription = await rig.SubscribeAsync(FirstTwo, project: project);
        using var other = await rig.SubscribeAsync(FirstTwo, project: project);
        await subscription.NextAsync();
        await other.NextAsync();

        await rig.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 503, endpoints = new[] { "list" } });
        try
        {
            var failed = await subscription.NextAsync();
            Assert.Equal(["FAILED"], Changes(failed));
            Assert.Null(failed["data"]!["projectJobsUpdates"]!["page"]);
            // Each subscriber's event carries its own copy of the error: one location, one path.
            foreach (var e in new[] { failed, await other.NextAsync() })
            {
                var error = Assert.Single(e["errors"]!.AsArray())!;
                Assert.Equal(["projectJobsUpdates", "page"], error["path"]!.AsArray().Select(p => p!.GetValue<string>()));
                Assert.Single(error["locations"]!.AsArray());
                Assert.Equal("UPSTREAM_UNAVAILABLE", error["extensions"]!["code"]!.GetValue<string>());
            }

            await rig.WaitForTicksAsync(3);
            Assert.Equal(0, subscription.Pending);
        }
        finally
        {
            await rig.ClearFaultsAsync();
        }

        var recovered = await subscription.NextAsync();
        Assert.Equal(["RECOVERED"], Changes(recovered));
        Assert.Equal(ids, PageIds(recovered));
        Assert.False(subscription.IsCompleted);
    }

    [Fact]
    public async Task A_refused_token_ends_the_stream_with_UNAUTHENTICATED_and_an_outgrown_filter_with_FILTER_TOO_BROAD()
    {
        using var refused = await rig.SubscribeAsync(FirstTwo, token: SubscriptionRig.RefusedToken);
        var end = await refused.NextAsync();
        Assert.Equal("UNAUTHENTICATED", end["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        await refused.CompletedAsync();

        // Sorting on progress needs batch-progress for every candidate: more than the ceiling is refused, not fetched.
        var project = rig.NewProject();
        await rig.CreateInAsync(project, PageWatchRig.MaxLocalCandidates + 1);
        using var broad = await rig.SubscribeAsync("subscription { projectJobsUpdates(order: [{ progressPercent: ASC }]) { changes } }", project: project);
        var tooBroad = await broad.NextAsync();
        Assert.Equal("FILTER_TOO_BROAD", tooBroad["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        await broad.CompletedAsync();
        Assert.DoesNotContain(await rig.UpstreamCallsAsync(), c => c.ProjectId == project && c.Endpoint == "progress");
    }

    [Fact]
    public async Task What_the_list_says_narrows_a_watched_page_s_batch_fetch_and_its_candidate_count()
    {
        // More jobs than MaxLocalCandidates, of which the list's statuses leave 3: sorting those on progress fetches
        // progress for the 3 only, as projectJobs does, where counting every listed job would refuse the page.
        await rig.NoSubscriptionsLeftAsync();
        var project = rig.NewProject();
        await rig.CreateInAsync(project, PageWatchRig.MaxLocalCandidates + 1);
        var failed = await rig.CreateInAsync(project, 3, status: "FULL_TRANSFER_FAILED");
        await rig.ClearUpstreamLogAsync();
        using var subscription = await rig.SubscribeAsync(
            "subscription { projectJobsUpdates(first: 5, where: { isFailed: { eq: true } }, order: [{ progressPercent: ASC }]) { page { totalCount nodes { id } } } }", project: project);

        var initial = await subscription.NextAsync();
        Assert.Null(initial["errors"]);
        Assert.Equal(3, Page(initial)["totalCount"]!.GetValue<int>());
        Assert.Equal(failed.Order(), NodeIds(Page(initial)["nodes"]!).Order());
        var progress = (await rig.UpstreamCallsAsync()).Where(c => c.ProjectId == project && c.Endpoint == "progress").ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, c => Assert.Equal(failed.Order(), c.JobIds!.Order()));
    }

    [Fact]
    public async Task Websocket_and_sse_clients_see_the_page_and_its_change()
    {
        var project = rig.NewProject();
        await rig.CreateInAsync(project, 2);
        var ids = await rig.NewestFirstAsync(project);
        const string Watch = "subscription { projectJobsUpdates(first: 1) { changes page { totalCount nodes { id } } } }";
        var address = rig.Client.BaseAddress!;
        await using var ws = await GraphQLWsClient.ConnectAndInitAsync(new Uri($"ws://{address.Authority}/graphql"),
            new Dictionary<string, string> { ["X-Auth-Token"] = SubscriptionRig.Token, ["X-Project-Id"] = project });
        await ws.SendAsync(new { id = "page", type = "subscribe", payload = new { query = Watch } });
        using var sse = await SseReader.PostAsync(rig.Client, JsonSerializer.Serialize(new { query = Watch }), ("X-Auth-Token", SubscriptionRig.Token), ("X-Project-Id", project));
        Assert.Equal(HttpStatusCode.OK, sse.Status);

        var expected = $$$$$"""{"data":{"projectJobsUpdates":{"changes":["INITIAL"],"page":{"totalCount":2,"nodes":[{"id":"{{{{{ids[0]}}}}}"}]}}}}""";
        Assert.Equal(expected, (await ws.ReceiveAsync())["payload"]!.ToJsonString());
        Assert.Equal(expected, JsonNode.Parse((await sse.ReadEventAsync()).Data!)!.ToJsonString());

        var newest = await rig.CreateNewestAsync(project);
        var next = $$$$$"""{"data":{"projectJobsUpdates":{"changes":["MEMBERSHIP","TOTAL_COUNT"],"page":{"totalCount":3,"nodes":[{"id":"{{{{{newest}}}}}"}]}}}}""";
        Assert.Equal(next, (await ws.ReceiveAsync())["payload"]!.ToJsonString());
        Assert.Equal(next, JsonNode.Parse((await sse.ReadEventAsync()).Data!)!.ToJsonString());
    }

    [Fact]
    public async Task The_readme_example_runs_as_written()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"));
        var start = readme.IndexOf("### Watching a page of jobs", StringComparison.Ordinal);
        var block = readme.IndexOf("```graphql\n", start, StringComparison.Ordinal) + "```graphql\n".Length;
        var example = readme[block..readme.IndexOf("```", block, StringComparison.Ordinal)];
        var project = rig.NewProject();
        await rig.CreateInAsync(project, 3);

        using var subscription = await rig.SubscribeAsync(example, project: project);
        Assert.True(subscription.Started, subscription.Result.ToJsonString());
        var initial = await subscription.NextAsync();
        Assert.Null(initial["errors"]);
        Assert.Equal(["INITIAL"], Changes(initial));
        Assert.Equal(3, Page(initial)["edges"]!.AsArray().Count);
    }

    /// <summary>Waits until projectJobs issues another cursor for the page than <paramref name="cursor"/> (a second later).</summary>
    private async Task NewCursorAsync(string project, string cursor, string arguments)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((string?)(await rig.QueryAsync(project, $"{{ projectJobs({arguments}) {{ pageInfo {{ endCursor }} }} }}")).AssertNoErrors().Data!["projectJobs"]!["pageInfo"]!["endCursor"] == cursor)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
    }

    private static JsonNode Page(JsonObject e) => e["data"]!["projectJobsUpdates"]!["page"]!;

    private static List<string> PageIds(JsonObject e) => [.. Page(e)["edges"]!.AsArray().Select(edge => edge!["node"]!["id"]!.GetValue<string>())];

    private static List<string> NodeIds(JsonNode nodes) => [.. nodes.AsArray().Select(n => n!["id"]!.GetValue<string>())];

    private static List<string> Changes(JsonObject e) => [.. e["data"]!["projectJobsUpdates"]!["changes"]!.AsArray().Select(c => c!.GetValue<string>())];
}
