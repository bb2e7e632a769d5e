using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Browsing;

/// <summary><c>projectJobs</c>: a project's jobs through DRS's list call, filters pushed down or applied here, the upstream calls each plan costs, paging.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class ProjectJobsTests(GatewayFixture fixture)
{
    private const string AllFields = "id status isFailed phase progress { percent } detail { name taskType createdAt useType }";

    [Fact]
    public async Task Filters_pushed_down_and_applied_locally_give_what_filtering_the_full_list_by_hand_gives()
    {
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 30);
        var plain = (await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {AllFields} }} }}")).AssertNoErrors()
            .Data!["jobs"]!.AsArray().Select(j => j!.AsObject()).ToList();
        // DRS lists newest first; the gateway breaks ties on the ID.
        var newestFirst = plain.OrderByDescending(j => Detail(j, "createdAt"), StringComparer.Ordinal).ThenBy(j => Str(j, "id"), StringComparer.Ordinal).ToList();

        var failed = newestFirst.Where(j => Str(j, "status") == "FULL_TRANSFER_FAILED").ToList();
        Assert.NotEmpty(failed);
        await AssertSameAsync("{ status: { eq: FULL_TRANSFER_FAILED } }", null, failed);                      // pushed down
        await AssertSameAsync("{ or: [{ status: { eq: FULL_TRANSFER_FAILED } }] }", null, failed);            // applied here
        await AssertSameAsync("{ isFailed: { eq: true } }", null, failed);                                   // from the list's status

        var sync = newestFirst.Where(j => Detail(j, "useType") == "SYNC").ToList();
        await AssertSameAsync("{ useType: { eq: SYNC } }", null, sync);
        await AssertSameAsync("{ useType: { nin: [MIGRATION, CLOUD_DATA_GUARD] } }", null, sync);

        var named = newestFirst.Where(j => Detail(j, "name") == Detail(plain[7], "name")).ToList();
        await AssertSameAsync($"{{ name: {{ eq: \"{Detail(plain[7], "name")}\" }} }}", null, named);
        await AssertSameAsync($"{{ name: {{ in: [\"{Detail(plain[7], "name")}\", \"nobody\"] }} }}", null, named);

        await AssertSameAsync("{ useType: { eq: MIGRATION }, taskMode: { eq: FULL_TRANS } }", null,
            newestFirst.Where(j => Detail(j, "useType") == "MIGRATION" && Detail(j, "taskType") == "FULL_TRANS"));
        await AssertSameAsync("{ progressPercent: { gte: 10 } }", "[{ progressPercent: DESC }]",
            newestFirst.Where(j => Percent(j) >= 10).OrderByDescending(Percent));
        // Ties of a given order fall back on newest first.
        await AssertSameAsync(null, "[{ name: ASC }]", newestFirst.OrderBy(j => Detail(j, "name"), StringComparer.Ordinal));

        async Task AssertSameAsync(string? where, string? order, IEnumerable<JsonObject> expected)
        {
            var arguments = "first: 50" + (where is null ? "" : $", where: {where}") + (order is null ? "" : $", order: {order}");
            var answer = (await QueryAsync(project, $"{{ projectJobs({arguments}) {{ totalCount nodes {{ id }} }} }}")).AssertNoErrors();
            var expectedIds = expected.Select(j => Str(j, "id")).ToList();
            Assert.Equal(expectedIds, answer.Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => Str(n!, "id")));
            Assert.Equal(expectedIds.Count, answer.Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task Failed_jobs_of_one_use_type_with_status_and_progress_cost_one_list_call_and_one_batch_progress_call_for_the_page()
    {
        var project = BrowseJobs.NewProject();
        await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 40);
        await fixture.ClearUpstreamLogAsync();

        var answer = (await QueryAsync(project, "{ projectJobs(first: 5, where: { useType: { eq: MIGRATION }, isFailed: { eq: true } }) { totalCount nodes { id status rawStatus phase isFailed isTerminal statusFreshness { stale } progress { percent } } } }")).AssertNoErrors();

        var nodes = answer.Data!["projectJobs"]!["nodes"]!.AsArray();
        Assert.Equal(5, nodes.Count);
        Assert.All(nodes, n => Assert.Equal("FULL_TRANSFER_FAILED", Str(n!, "status")));
        Assert.All(nodes, n => Assert.Equal("FAILED", Str(n!, "phase")));
        Assert.All(nodes, n => Assert.True(n!["isFailed"]!.GetValue<bool>()));
        Assert.All(nodes, n => Assert.False(n!["statusFreshness"]!["stale"]!.GetValue<bool>()));
        var calls = await fixture.UpstreamCallsAsync();
        // The list's status answers the page's status fields (the issue's example: 1 list call + 1 batch-progress call).
        Assert.Equal(["list", "progress"], calls.Select(c => c.Endpoint).Order());
        Assert.Equal(nodes.Select(n => Str(n!, "id")).Order(), calls.Single(c => c.Endpoint == "progress").JobIds!.Order());

        // Only batch-status gives a failed job's error code and message: asked for, they cost one batch-status call for the
        // page's failed jobs, and they are DRS's (not null for as long as the list is cached).
        await fixture.ClearUpstreamLogAsync();
        var withErrors = (await QueryAsync(project, "{ projectJobs(first: 5, where: { useType: { eq: MIGRATION }, isFailed: { eq: true } }) { nodes { id status errorCode errorMessage } } }")).AssertNoErrors();
        var errorNodes = withErrors.Data!["projectJobs"]!["nodes"]!.AsArray();
        Assert.All(errorNodes, n => Assert.False(string.IsNullOrEmpty(Str(n!, "errorCode"))));
        Assert.All(errorNodes, n => Assert.False(string.IsNullOrEmpty(Str(n!, "errorMessage"))));
        var errorCalls = await fixture.UpstreamCallsAsync();
        Assert.Equal(["status"], errorCalls.Select(c => c.Endpoint));
        Assert.Equal(errorNodes.Select(n => Str(n!, "id")).Order(), errorCalls.Single().JobIds!.Order());

        // Without the use type: DRS lists one per call, so three list walks; the page's progress still one call.
        await fixture.ClearUpstreamLogAsync();
        var everyUseType = (await QueryAsync(project, "{ projectJobs(first: 20, where: { isFailed: { eq: true } }) { nodes { id status progress { percent } } } }")).AssertNoErrors();
        var pageIds = everyUseType.Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => Str(n!, "id")).ToList();
        Assert.Equal(8, pageIds.Count);
        var again = await fixture.UpstreamCallsAsync();
        Assert.Equal(["list", "list", "list", "progress"], again.Select(c => c.Endpoint).Order());
        // The 5 of the first page are cached: only the others are asked for.
        Assert.Equal(pageIds.Except(nodes.Select(n => Str(n!, "id"))).Order(), again.Single(c => c.Endpoint == "progress").JobIds!.Order());
    }

    [Fact]
    public async Task With_the_cache_off_a_page_of_failed_and_running_jobs_asking_for_status_costs_no_batch_status_call()
    {
        await using var host = await GatewayHost.Builder().WithEmulator(TestEmulator.FrozenClock()).WithSetting("Gateway:Cache:Enabled", "false").StartAsync();
        var project = BrowseJobs.NewProject();
        await BrowseJobs.CreateAsync(host.Emulator!, project, 40);
        await host.Emulator!.ClearUpstreamLogAsync();

        var answer = (await host.QueryAsync("{ projectJobs(first: 20) { nodes { id status isFailed isTerminal } } }", GatewayFixture.Token, headers: BrowseJobs.Headers(project))).AssertNoErrors();

        var nodes = answer.Data!["projectJobs"]!["nodes"]!.AsArray();
        Assert.Equal(20, nodes.Count);
        Assert.Contains(nodes, n => n!["isFailed"]!.GetValue<bool>());
        Assert.Contains(nodes, n => !n!["isFailed"]!.GetValue<bool>());
        Assert.Equal(["list", "list", "list"], (await host.Emulator!.UpstreamCallsAsync()).Select(c => c.Endpoint));
    }

    [Fact]
    public async Task A_page_and_a_job_field_beside_it_share_one_progress_call()
    {
        // Without where/order the page is answered as soon as the list arrives, in the first phase: its nodes'
        // keys are registered before the job field's loader sends its batch.
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 6);
        await fixture.ClearUpstreamLogAsync();

        var answer = (await QueryAsync(project, $"{{ projectJobs(first: 3) {{ nodes {{ id progress {{ percent }} }} }} job(id: \"{ids[0]}\") {{ progress {{ percent }} }} }}")).AssertNoErrors();

        var pageIds = answer.Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => Str(n!, "id")).ToList();
        var calls = await fixture.UpstreamCallsAsync();
        // One list walk per use type, then a single progress call for the page and job(id:) together.
        var progress = Assert.Single(calls, c => c.Endpoint != "list");
        Assert.Equal("progress", progress.Endpoint);
        Assert.Equal(pageIds.Append(ids[0]).Distinct().Order(), progress.JobIds!.Order());
    }

    [Fact]
    public async Task A_sort_on_progress_costs_batch_progress_for_the_candidates_and_a_filter_on_the_engine_batch_detail()
    {
        var project = BrowseJobs.NewProject();
        await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 12);
        await fixture.ClearUpstreamLogAsync();

        (await QueryAsync(project, "{ projectJobs(first: 3, where: { useType: { eq: SYNC } }, order: [{ progressPercent: ASC }]) { nodes { id } } }")).AssertNoErrors();
        var sortCalls = await fixture.UpstreamCallsAsync();
        await fixture.ClearUpstreamLogAsync();
        (await QueryAsync(project, "{ projectJobs(first: 3, where: { useType: { eq: MIGRATION }, dbType: { neq: REDIS } }) { nodes { id } } }")).AssertNoErrors();
        var filterCalls = await fixture.UpstreamCallsAsync();
        await fixture.ClearUpstreamLogAsync();
        (await QueryAsync(project, "{ projectJobs(first: 3) { nodes { id } } }")).AssertNoErrors();
        var everyUseType = await fixture.UpstreamCallsAsync();

        Assert.Equal(["list", "progress"], sortCalls.Select(c => c.Endpoint).Order());
        Assert.Equal(3, sortCalls.Single(c => c.Endpoint == "progress").JobIds!.Count);   // the 3 SYNC jobs of 12
        Assert.Equal(["detail", "list"], filterCalls.Select(c => c.Endpoint).Order());
        Assert.Equal(9, filterCalls.Single(c => c.Endpoint == "detail").JobIds!.Count);    // the 9 MIGRATION jobs
        // DRS lists one use type per call: without a useType filter the gateway walks all three.
        Assert.Equal(["list", "list", "list"], everyUseType.Select(c => c.Endpoint));
    }

    [Fact]
    public async Task What_the_list_says_narrows_the_batch_fetch_to_the_jobs_it_lets_through_and_only_those_count_against_MaxLocalCandidates()
    {
        // 40 jobs: 10 SYNC (every fourth), 8 failed (every fifth from the third), 2 both.
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 40);
        var failed = ids.Where((_, i) => i % 5 == 2).Order().ToList();
        var syncFailed = ids.Where((_, i) => i % 5 == 2 && i % 4 == 3).Order().ToList();
        // No answer cache: each query's batch calls are its own.
        await using var host = GatewayHost.Builder().WithEmulator(fixture.Host.Emulator!)
            .WithSetting("Gateway:Browse:MaxLocalCandidates", "8").WithSetting("Gateway:Cache:Enabled", "false").Start();
        Task<GraphQLAnswer> Query(string query) => host.QueryAsync(query, GatewayFixture.Token, null, BrowseJobs.Headers(project));
        async Task<UpstreamCall> OneBatchCallAsync(string query)
        {
            await fixture.ClearUpstreamLogAsync();
            (await Query(query)).AssertNoErrors();
            return Assert.Single(await fixture.UpstreamCallsAsync(), c => c.ProjectId == project && c.Endpoint != "list");
        }

        // The filter reads only listed fields, the order progress: progress for the 2 matches, not the 10 SYNC jobs.
        var progress = await OneBatchCallAsync("{ projectJobs(first: 1, where: { useType: { eq: SYNC }, isFailed: { eq: true } }, order: [{ progressPercent: ASC }]) { totalCount nodes { id } } }");
        Assert.Equal("progress", progress.Endpoint);
        Assert.Equal(syncFailed, progress.JobIds!.Order());

        // A listed part beside a fetched one, under and: detail for the 8 failed jobs the list lets through, not the 40.
        var detail = await OneBatchCallAsync("{ projectJobs(where: { and: [{ isFailed: { eq: true } }, { taskMode: { eq: FULL_TRANS } }] }) { totalCount } }");
        Assert.Equal("detail", detail.Endpoint);
        Assert.Equal(failed, detail.JobIds!.Order());

        // An or narrows when each entry has a listed part: the SYNC jobs failed or named "nobody".
        var either = await OneBatchCallAsync("{ projectJobs(where: { useType: { eq: SYNC }, or: [{ isFailed: { eq: true }, taskMode: { eq: FULL_TRANS } }, { name: { eq: \"nobody\" }, dbType: { eq: MYSQL } }] }) { totalCount } }");
        Assert.Equal("detail", either.Endpoint);
        Assert.Equal(syncFailed, either.JobIds!.Order());

        // An or one of whose entries only a fetch answers cannot narrow: all 10 SYNC jobs are candidates, more than 8.
        await fixture.ClearUpstreamLogAsync();
        var mixed = await Query("{ projectJobs(where: { useType: { eq: SYNC }, or: [{ isFailed: { eq: true } }, { taskMode: { eq: FULL_TRANS } }] }) { totalCount } }");
        Assert.Equal(["FILTER_TOO_BROAD"], mixed.Codes);
        Assert.Contains("10 jobs (at most 8)", mixed.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(await fixture.UpstreamCallsAsync(), c => c.ProjectId == project && c.Endpoint != "list");
    }

    [Fact]
    public async Task Filters_mixing_listed_and_fetched_fields_through_and_or_and_negations_give_what_filtering_by_hand_gives()
    {
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 45);
        var plain = (await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {AllFields} }} }}")).AssertNoErrors()
            .Data!["jobs"]!.AsArray().Select(j => j!.AsObject()).ToList();
        // The list's own order (newest first, to a finer grain than createdAt's milliseconds), which an unordered page keeps.
        var listed = (await QueryAsync(project, "{ projectJobs(first: 50) { nodes { id } } }")).AssertNoErrors()
            .Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => Str(n!, "id")).ToList();
        var newestFirst = plain.OrderBy(j => listed.IndexOf(Str(j, "id"))).ToList();
        Assert.Equal(plain.Count, listed.Count);
        static bool Failed(JsonObject j) => Str(j, "status") == "FULL_TRANSFER_FAILED";
        static bool Sync(JsonObject j) => Detail(j, "useType") == "SYNC";
        static bool FullTrans(JsonObject j) => Detail(j, "taskType") == "FULL_TRANS";
        var progressFirst = Comparer<JsonObject>.Create((a, b) => (Percent(a), Percent(b)) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            var (x, y) => x!.Value.CompareTo(y!.Value),
        });

        await AssertSameAsync("{ useType: { eq: SYNC }, isFailed: { eq: true } }", "[{ progressPercent: ASC }]",
            newestFirst.Where(j => Sync(j) && Failed(j)).OrderBy(j => j, progressFirst));
        await AssertSameAsync("{ isFailed: { eq: false } }", "[{ progressPercent: DESC }]",
            newestFirst.Where(j => !Failed(j)).OrderByDescending(Percent));
        await AssertSameAsync("{ useType: { eq: MIGRATION }, or: [{ isFailed: { eq: true } }, { progressPercent: { gte: 10 } }] }", null,
            newestFirst.Where(j => !Sync(j) && (Failed(j) || Percent(j) >= 10)));
        await AssertSameAsync("{ or: [{ isFailed: { eq: true }, taskMode: { eq: FULL_TRANS } }, { name: { startsWith: \"job-a\" }, progressPercent: { neq: null } }] }", "[{ name: DESC }]",
            newestFirst.Where(j => (Failed(j) && FullTrans(j)) || (Detail(j, "name").StartsWith("job-a", StringComparison.Ordinal) && Percent(j) is not null))
                .OrderByDescending(j => Detail(j, "name"), StringComparer.Ordinal));
        await AssertSameAsync("{ and: [{ status: { neq: CONFIGURATION } }, { taskMode: { nin: [INCR_TRANS] } }, { or: [{ useType: { neq: SYNC } }, { progressPercent: { ngt: 50 } }] }] }", "[{ progressPercent: ASC }]",
            newestFirst.Where(j => Str(j, "status") != "CONFIGURATION" && Detail(j, "taskType") != "INCR_TRANS" && (!Sync(j) || !(Percent(j) > 50))).OrderBy(j => j, progressFirst));
        await AssertSameAsync("{ name: { nstartsWith: \"job-a\" }, taskMode: { neq: FULL_TRANS } }", null,
            newestFirst.Where(j => !Detail(j, "name").StartsWith("job-a", StringComparison.Ordinal) && !FullTrans(j)));

        async Task AssertSameAsync(string where, string? order, IEnumerable<JsonObject> expected)
        {
            var expectedIds = expected.Select(j => Str(j, "id")).ToList();
            Assert.NotEmpty(expectedIds);
            var arguments = $"first: 50, where: {where}" + (order is null ? "" : $", order: {order}");
            var answer = (await QueryAsync(project, $"{{ projectJobs({arguments}) {{ totalCount nodes {{ id }} }} }}")).AssertNoErrors();
            Assert.Equal(expectedIds, answer.Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => Str(n!, "id")));
            Assert.Equal(expectedIds.Count, answer.Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task Paging_forwards_and_backwards_over_a_250_job_project_returns_every_job_once_in_order()
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(250, project: project);
        var created = (await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id detail {{ createdAt }} }} }}")).AssertNoErrors().Data!["jobs"]!.AsArray()
            .ToDictionary(j => Str(j!, "id"), j => Detail(j!.AsObject(), "createdAt"));
        var expected = ids.OrderByDescending(id => created[id], StringComparer.Ordinal).ThenBy(id => id, StringComparer.Ordinal).ToList();
        const string Field = "projectJobs(where: { useType: { in: [MIGRATION, SYNC, CLOUD_DATA_GUARD] } }";

        var (forwards, backwards) = await BrowseJobs.WalkAsync(
            q => QueryAsync(project, q), "projectJobs", Field, 50, 30, page => Assert.Equal(250, page["totalCount"]!.GetValue<int>()));

        Assert.Equal(expected, forwards);
        Assert.Equal(expected, backwards);
    }

    [Fact]
    public async Task A_cursor_of_another_field_or_another_order_is_refused()
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(4, project: project);
        var fromIds = (await QueryAsync(project, $"{{ jobsConnection(ids: {GatewayFixture.IdList(ids)}, first: 1) {{ pageInfo {{ endCursor }} }} }}")).AssertNoErrors()
            .Data!["jobsConnection"]!["pageInfo"]!["endCursor"]!.GetValue<string>();
        var fromProject = (await QueryAsync(project, "{ projectJobs(first: 1) { pageInfo { endCursor } } }")).AssertNoErrors()
            .Data!["projectJobs"]!["pageInfo"]!["endCursor"]!.GetValue<string>();

        Assert.Equal(["INVALID_CURSOR"], (await QueryAsync(project, $"{{ projectJobs(after: \"{fromIds}\") {{ totalCount }} }}")).Codes);
        Assert.Equal(["INVALID_CURSOR"], (await QueryAsync(project, $"{{ projectJobs(after: \"{fromProject}\", order: [{{ name: ASC }}]) {{ totalCount }} }}")).Codes);
        Assert.Equal(["INVALID_CURSOR"], (await QueryAsync(BrowseJobs.NewProject(), $"{{ projectJobs(after: \"{fromProject}\") {{ totalCount }} }}")).Codes);
        (await QueryAsync(project, $"{{ projectJobs(after: \"{fromProject}\") {{ totalCount }} }}")).AssertNoErrors();
    }

    [Fact]
    public async Task Expired_cursors_and_filters_that_need_too_many_fetches_are_refused()
    {
        var project = BrowseJobs.NewProject();
        await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 10);
        await using var host = GatewayHost.Builder().WithEmulator(fixture.Host.Emulator!)
            .WithSetting("Gateway:Browse:CursorLifetime", "00:00:01")
            .WithSetting("Gateway:Browse:MaxLocalCandidates", "5")
            .Start();
        Task<GraphQLAnswer> Query(string query) => host.QueryAsync(query, GatewayFixture.Token, null, BrowseJobs.Headers(project));
        var cursor = (await Query("{ projectJobs(first: 2) { pageInfo { endCursor } } }")).AssertNoErrors()
            .Data!["projectJobs"]!["pageInfo"]!["endCursor"]!.GetValue<string>();
        await fixture.ClearUpstreamLogAsync();

        var tooBroad = await Query("{ projectJobs(where: { progressPercent: { gt: 0 } }) { totalCount } }");
        var listedOnly = await Query("{ projectJobs(where: { isFailed: { eq: false } }) { totalCount } }");   // the list says it: no fetch
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        var expired = await Query($"{{ projectJobs(first: 2, after: \"{cursor}\") {{ totalCount }} }}");

        Assert.Equal(["FILTER_TOO_BROAD"], tooBroad.Codes);
        listedOnly.AssertNoErrors();
        Assert.Equal(8, listedOnly.Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
        Assert.DoesNotContain(await fixture.UpstreamCallsAsync(), c => c.Endpoint == "progress");
        Assert.Equal(["INVALID_CURSOR"], expired.Codes);
    }

    /// <remarks>
    /// Before, each candidate DRS failed to answer for was left out with an error of its own: with progress failing for
    /// every job, the page came back as a normal-looking empty one (totalCount 0) under one error per job.
    /// </remarks>
    [Theory]
    [InlineData(503, "DRS.M00004", "UPSTREAM_UNAVAILABLE")]
    // A 400 for the whole call (FACTS: DRS refuses a batch for one ID it does not accept) says nothing about any one job.
    [InlineData(400, "DRS.M00202", "DRS.M00202")]
    public async Task Drs_failing_an_endpoint_the_filter_or_order_needs_fails_the_field_with_one_error_not_an_empty_page(int status, string drsCode, string code)
    {
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 6);
        // A host of its own, one quick retry and no cache: the fault is what each query meets.
        await using var host = GatewayHost.Builder().WithEmulator(fixture.Host.Emulator!)
            .WithSetting("Gateway:Cache:Enabled", "false").WithSetting("Drs:Resilience:Retry:MaxRetryAttempts", "1").WithSetting("Drs:Resilience:Retry:Delay", "00:00:00.010").Start();
        await fixture.SetFaultsAsync(new { failureRate = 1.0, failureStatus = status, failureCode = drsCode, endpoints = new[] { "progress" } });
        try
        {
            var ordered = await host.QueryAsync(
                "{ projectJobs(first: 3, where: { useType: { in: [MIGRATION, SYNC, CLOUD_DATA_GUARD] } }, order: [{ progressPercent: DESC }]) { totalCount nodes { id } } }",
                GatewayFixture.Token, null, BrowseJobs.Headers(project));
            var filtered = await host.QueryAsync(
                $"{{ jobsConnection(ids: {GatewayFixture.IdList(ids)}, where: {{ progressPercent: {{ gte: 0 }} }}) {{ totalCount }} }}",
                GatewayFixture.Token, null, BrowseJobs.Headers(project));

            foreach (var (answer, field) in new[] { (ordered, "projectJobs"), (filtered, "jobsConnection") })
            {
                Assert.Null(answer.Data![field]);
                var error = Assert.Single(answer.Errors)!;
                Assert.Equal(code, error["extensions"]!["code"]!.GetValue<string>());
                Assert.Equal(6, error["extensions"]!["unreadableJobs"]!.GetValue<int>());
                Assert.StartsWith("6 of the 6 jobs this filter or order needs could not be read from DRS", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
            }
        }
        finally
        {
            await fixture.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task A_list_call_still_hanging_at_the_request_timeout_is_an_upstream_timeout_on_the_field()
    {
        await using var host = GatewayHost.Builder().WithEmulator(fixture.Host.Emulator!).WithSetting("Gateway:RequestTimeout", "00:00:00.500").Start();
        await fixture.SetFaultsAsync(new { hangNext = 1, endpoints = new[] { "list" } });
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var answer = await host.QueryAsync("{ projectJobs(where: { useType: { eq: SYNC } }) { totalCount } }", GatewayFixture.Token, null, BrowseJobs.Headers(BrowseJobs.NewProject()));

            Assert.Equal(["UPSTREAM_TIMEOUT"], answer.Codes);
            Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(3), "the request budget, not DRS's timeouts, ended the wait");
        }
        finally
        {
            await fixture.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task Engine_and_network_type_filters_are_pushed_into_the_list_call_and_give_what_filtering_by_hand_gives()
    {
        var project = BrowseJobs.NewProject();
        // Uncached lists, so every query shows its own list calls (the same filter twice would otherwise be a cache hit).
        await using var host = GatewayHost.Builder().WithEmulator(fixture.Host.Emulator!).WithSetting("Gateway:Cache:ListTtl", "00:00:00").Start();
        Task<GraphQLAnswer> QueryAsync(string _, string query) => host.QueryAsync(query, GatewayFixture.Token, null, BrowseJobs.Headers(project));
        string[] engines = ["mysql", "mongodb", "postgresql"];
        string[] nets = ["vpn", "vpc", "eip"];
        var made = new Dictionary<string, (string Engine, string Net)>();
        for (var i = 0; i < 12; i++)
        {
            var (engine, net) = (engines[i % 3], nets[i / 2 % 3]);
            var response = await fixture.Host.Emulator!.Control.PostAsJsonAsync("/_emulator/jobs", new
            {
                projectId = project, count = 1, status = "INCRE_TRANSFER_STARTED", dbUseType = "migration", engineType = engine, netType = net, frozen = true,
            });
            response.EnsureSuccessStatusCode();
            made[(await response.Content.ReadFromJsonAsync<JsonObject>())!["jobs"]![0]!["id"]!.GetValue<string>()] = (engine, net);
        }

        // Newest first, as projectJobs answers without an order (checked against createdAt by the tests above).
        var listed = (await QueryAsync(project, "{ projectJobs(first: 50) { nodes { id detail { netType } } } }")).AssertNoErrors()
            .Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => n!.AsObject()).ToList();
        Assert.Equal(made.Keys.Order(), listed.Select(n => Str(n, "id")).Order());
        // The emulator's detail says the network type it was created with: the list and batch-detail agree.
        Assert.All(listed, n => Assert.Equal(made[Str(n, "id")].Net.ToUpperInvariant(), Detail(n, "netType")));
        var order = listed.Select(n => Str(n, "id")).ToList();
        IEnumerable<string> ByHand(Func<(string Engine, string Net), bool> keep) => order.Where(id => keep(made[id]));

        // Pushed (conjunctive eq, or an in with one value) and applied here (or, nin, startsWith): the same jobs either way.
        await AssertSameAsync("{ engineType: { eq: \"mysql\" } }", ByHand(j => j.Engine == "mysql"), ("mysql", null));
        await AssertSameAsync("{ engineType: { in: [\"mongodb\"] } }", ByHand(j => j.Engine == "mongodb"), ("mongodb", null));
        await AssertSameAsync("{ or: [{ engineType: { eq: \"mysql\" } }] }", ByHand(j => j.Engine == "mysql"), (null, null));
        await AssertSameAsync("{ engineType: { startsWith: \"mo\" } }", ByHand(j => j.Engine.StartsWith("mo", StringComparison.Ordinal)), (null, null));
        await AssertSameAsync("{ netType: { eq: VPC } }", ByHand(j => j.Net == "vpc"), (null, "vpc"));
        await AssertSameAsync("{ netType: { nin: [VPN, EIP] } }", ByHand(j => j.Net == "vpc"), (null, null));
        await AssertSameAsync("{ useType: { eq: MIGRATION }, and: [{ engineType: { eq: \"postgresql\" } }], netType: { eq: EIP } }",
            ByHand(j => j.Engine == "postgresql" && j.Net == "eip"), ("postgresql", "eip"));

        // Over given IDs the network type comes from batch-detail and filters the same way.
        var viaIds = (await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(order)}, where: {{ netType: {{ eq: VPN }} }}) {{ id }} }}")).AssertNoErrors()
            .Data!["jobs"]!.AsArray().Select(n => Str(n!, "id"));
        Assert.Equal(ByHand(j => j.Net == "vpn").Order(), viaIds.Order());

        async Task AssertSameAsync(string where, IEnumerable<string> expected, (string? Engine, string? Net) pushed)
        {
            var expectedIds = expected.ToList();
            Assert.NotEmpty(expectedIds);
            await fixture.ClearUpstreamLogAsync();
            var answer = (await QueryAsync(project, $"{{ projectJobs(first: 50, where: {where}) {{ totalCount nodes {{ id }} }} }}")).AssertNoErrors();

            Assert.Equal(expectedIds, answer.Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => Str(n!, "id")));
            Assert.Equal(expectedIds.Count, answer.Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
            // The list says both fields: one list call per use type walked, never a batch call; the request log shows what DRS filtered.
            var calls = await fixture.UpstreamCallsAsync();
            Assert.All(calls, c => Assert.Equal("list", c.Endpoint));
            Assert.Equal(where.Contains("useType", StringComparison.Ordinal) ? 1 : 3, calls.Count);
            Assert.All(calls, c => Assert.Equal(pushed, (c.ListQuery!.EngineType, c.ListQuery.NetType)));
        }
    }

    [Fact]
    public async Task A_tag_filter_sends_its_exact_pair_to_the_list_call_and_checks_the_tags_from_batch_detail()
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(16, project: project);
        // A host of its own: empty caches and uncached lists, so the calls counted are this test's.
        await using var host = GatewayHost.Builder().WithEmulator(fixture.Host.Emulator!).WithSetting("Gateway:Cache:ListTtl", "00:00:00").Start();
        Task<GraphQLAnswer> QueryAsync(string query) => host.QueryAsync(query, GatewayFixture.Token, null, BrowseJobs.Headers(project));
        const string Prod = "{ some: { key: { eq: \"env\" }, value: { eq: \"prod\" } } }";
        await fixture.ClearUpstreamLogAsync();

        var pushed = (await QueryAsync($"{{ projectJobs(first: 50, where: {{ useType: {{ eq: MIGRATION }}, tags: {Prod} }}) {{ nodes {{ id }} }} }}")).AssertNoErrors()
            .Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => Str(n!, "id")).ToList();
        var calls = await fixture.UpstreamCallsAsync();

        var jobs = (await QueryAsync($"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id detail {{ useType createdAt tags {{ key value }} }} }} }}")).AssertNoErrors()
            .Data!["jobs"]!.AsArray().Select(j => j!.AsObject()).ToList();
        var newestFirst = jobs.OrderByDescending(j => Detail(j, "createdAt"), StringComparer.Ordinal).ThenBy(j => Str(j, "id"), StringComparer.Ordinal).ToList();
        IReadOnlyList<(string Key, string Value)> Tags(JsonObject job) =>
            job["detail"]!["tags"]!.AsArray().Select(t => (Str(t!, "key"), t!["value"]?.GetValue<string>() ?? "")).ToList();
        var migration = newestFirst.Where(j => Detail(j, "useType") == "MIGRATION").ToList();
        var prod = migration.Where(j => Tags(j).Contains(("env", "prod"))).Select(j => Str(j, "id")).ToList();

        Assert.NotEmpty(prod);
        Assert.Equal(prod, pushed);
        // DRS narrowed the list to the tagged jobs; batch-detail was asked for those only, to check the tags here.
        Assert.Equal(["detail", "list"], calls.Select(c => c.Endpoint).Order());
        Assert.Equal(new Dictionary<string, string> { ["env"] = "prod" }, calls.Single(c => c.Endpoint == "list").ListQuery!.Tags);
        Assert.Equal(prod.Order(), calls.Single(c => c.Endpoint == "detail").JobIds!.Order());

        // Not an exact pair: nothing pushed, the same answer from the tags alone.
        await fixture.ClearUpstreamLogAsync();
        await AssertSameAsync("{ some: { key: { eq: \"env\" }, value: { in: [\"prod\"] } } }", prod);
        Assert.All(await fixture.UpstreamCallsAsync(), c => Assert.Null(c.ListQuery?.Tags));
        await AssertSameAsync("{ none: { key: { eq: \"owner\" } } }", migration.Where(j => !Tags(j).Any(t => t.Key == "owner")).Select(j => Str(j, "id")));
        await AssertSameAsync("{ all: { or: [{ key: { eq: \"env\" } }, { value: { startsWith: \"a\" } }] } }",
            migration.Where(j => Tags(j).All(t => t.Key == "env" || t.Value.StartsWith('a'))).Select(j => Str(j, "id")));
        await AssertSameAsync("{ any: true }", migration.Where(j => Tags(j).Count > 0).Select(j => Str(j, "id")));

        async Task AssertSameAsync(string tags, IEnumerable<string> expected)
        {
            var answer = (await QueryAsync($"{{ projectJobs(first: 50, where: {{ useType: {{ eq: MIGRATION }}, tags: {tags} }}) {{ nodes {{ id }} }} }}")).AssertNoErrors();
            Assert.Equal(expected, answer.Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => Str(n!, "id")));
        }
    }

    [Fact]
    public async Task A_deleted_job_DRS_still_lists_fails_detail_conditions_without_an_error_but_a_named_one_keeps_its_error()
    {
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 6);
        (await fixture.Host.Emulator!.Control.DeleteAsync($"/_emulator/jobs/{ids[0]}")).EnsureSuccessStatusCode();

        // dbType is read from batch-detail, which answers DRS.M05004 for the deleted job: DRS listed it, the
        // caller never named it, so it has no dbType (as a null field: eq false, neq true) and no error is raised.
        var mysql = await NodesAsync("{ dbType: { eq: MYSQL } }");
        var other = await NodesAsync("{ dbType: { neq: MYSQL } }");
        Assert.DoesNotContain(ids[0], mysql);
        Assert.Contains(ids[0], other);
        Assert.Equal(ids.Order(StringComparer.Ordinal), mysql.Concat(other).Order(StringComparer.Ordinal));

        // Named by the caller, the same job keeps its error, on the field that named it.
        var named = await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}, where: {{ dbType: {{ eq: MYSQL }} }}) {{ id }} }}");
        Assert.Contains(named.Errors, e => e!["extensions"]!["kind"]?.GetValue<string>() == "DELETED");

        async Task<List<string>> NodesAsync(string where) =>
            (await QueryAsync(project, $"{{ projectJobs(first: 50, where: {where}) {{ nodes {{ id }} }} }}")).AssertNoErrors()
                .Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => Str(n!, "id")).ToList();
    }

    private Task<GraphQLAnswer> QueryAsync(string project, string query) =>
        fixture.QueryAsync(query, headers: BrowseJobs.Headers(project));

    private static string Str(JsonNode node, string name) => node[name]!.GetValue<string>();

    private static string Detail(JsonObject job, string name) => job["detail"]![name]!.GetValue<string>();

    private static double? Percent(JsonObject job) => job["progress"]!["percent"]?.GetValue<double>();
}
