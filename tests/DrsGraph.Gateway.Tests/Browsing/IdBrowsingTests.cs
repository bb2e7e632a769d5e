using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Browsing;

/// <summary><c>where</c>/<c>order</c> on <c>jobs(ids:)</c> and the <c>jobsConnection(ids:)</c> page: answers, upstream calls, cursors.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class IdBrowsingTests(GatewayFixture fixture)
{
    private const string AllFields = "id status isFailed isTerminal phase progress { percent incrementalDelaySeconds } detail { name taskType createdAt updatedAt useType source { dbType } }";

    [Fact]
    public async Task Filters_and_orders_over_given_ids_give_what_filtering_the_plain_list_by_hand_gives()
    {
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 30);
        var plain = (await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ {AllFields} }} }}")).Data!["jobs"]!.AsArray().Select(j => j!.AsObject()).ToList();

        await AssertSameAsync("{ status: { in: [FULL_TRANSFER_STARTED, INCRE_TRANSFER_STARTED] } }", null,
            plain.Where(j => Str(j, "status") is "FULL_TRANSFER_STARTED" or "INCRE_TRANSFER_STARTED"));
        await AssertSameAsync("{ or: [{ isFailed: { eq: true } }, { progressPercent: { gte: 50 } }] }", null,
            plain.Where(j => j["isFailed"]!.GetValue<bool>() || Percent(j) >= 50));
        await AssertSameAsync("{ name: { startsWith: \"job-a\" }, taskMode: { neq: FULL_TRANS } }", null,
            plain.Where(j => Detail(j, "name").StartsWith("job-a", StringComparison.Ordinal) && Detail(j, "taskType") != "FULL_TRANS"));
        await AssertSameAsync("{ and: [{ name: { ncontains: \"-0\" } }, { phase: { nin: [FAILED] } }] }", "[{ name: DESC }]",
            plain.Where(j => !Detail(j, "name").Contains("-0", StringComparison.Ordinal) && Str(j, "phase") != "FAILED")
                .OrderByDescending(j => Detail(j, "name"), StringComparer.Ordinal));
        await AssertSameAsync(null, "[{ progressPercent: DESC }, { name: ASC }]",
            plain.OrderBy(j => Percent(j) is null).ThenByDescending(Percent).ThenBy(j => Detail(j, "name"), StringComparer.Ordinal));

        async Task AssertSameAsync(string? where, string? order, IEnumerable<JsonObject> expected)
        {
            var arguments = (where is null ? "" : $", where: {where}") + (order is null ? "" : $", order: {order}");
            var answer = await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}{arguments}) {{ id }} }}");
            answer.AssertNoErrors();
            Assert.Equal(expected.Select(j => Str(j, "id")), answer.Data!["jobs"]!.AsArray().Select(j => Str(j!, "id")));
        }
    }

    [Fact]
    public async Task Over_given_ids_ties_end_on_the_job_id_and_an_empty_filter_or_order_is_none()
    {
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 30);
        // Given in reverse ID order: kept among ties, they would come out backwards.
        var reversed = ids.OrderByDescending(id => id, StringComparer.Ordinal).ToList();
        var plain = (await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(reversed)}) {{ id status }} }}")).Data!["jobs"]!.AsArray().Select(j => j!.AsObject()).ToList();
        // The schema says ties end on the job ID: so they do over given IDs too, not in the order given.
        Assert.True(plain.GroupBy(j => Str(j, "status")).Any(g => g.Count() > 1), "the jobs share statuses");
        var sorted = (await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(reversed)}, order: [{{ status: ASC }}]) {{ id status }} }}")).AssertNoErrors()
            .Data!["jobs"]!.AsArray().Select(j => (Id: Str(j!, "id"), Status: Str(j!, "status"))).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), sorted.Select(j => j.Id).Order(StringComparer.Ordinal));
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Status == sorted[i - 1].Status)
            {
                Assert.True(string.CompareOrdinal(sorted[i - 1].Id, sorted[i].Id) < 0, $"{sorted[i - 1].Id} before {sorted[i].Id}, both {sorted[i].Status}");
            }
            else
            {
                Assert.DoesNotContain(sorted.Take(i - 1), j => j.Status == sorted[i].Status);
            }
        }

        var paged = (await QueryAsync(project, $"{{ jobsConnection(ids: {GatewayFixture.IdList(reversed)}, first: 50, order: [{{ status: ASC }}]) {{ nodes {{ id }} }} }}")).AssertNoErrors();
        Assert.Equal(sorted.Select(j => j.Id), paged.Data!["jobsConnection"]!["nodes"]!.AsArray().Select(j => Str(j!, "id")));

        // where: {} and order: [] are no filter and no order (HotChocolate's reading): the plain list, a bad ID's null and a
        // repeated ID kept.
        var given = $"[\"{ids[0]}\", \"not-a-job\", \"{ids[0]}\"]";
        foreach (var arguments in new[] { "where: {}", "order: []", "where: {}, order: []" })
        {
            var answer = await QueryAsync(project, $"{{ jobs(ids: {given}, {arguments}) {{ id }} }}");
            var jobs = answer.Data!["jobs"]!.AsArray();
            Assert.Equal(3, jobs.Count);
            Assert.Equal(ids[0], Str(jobs[0]!, "id"));
            Assert.Null(jobs[1]);
            Assert.Equal(ids[0], Str(jobs[2]!, "id"));
            Assert.Equal(["INVALID_JOB_ID"], answer.Codes);
        }
    }

    [Fact]
    public async Task An_engine_type_filter_over_given_ids_gives_what_deriving_the_engine_type_by_hand_gives()
    {
        // Over given IDs there is no list entry, so the engine type comes from detail.replicationInstance.engineType,
        // prefixed "cloudDataGuard-" for disaster recovery jobs; mixing use types makes the prefix matter.
        var project = BrowseJobs.NewProject();
        var ids = new List<string>();
        string[] useTypes = ["migration", "cloudDataGuard", "sync"];
        for (var i = 0; i < 12; i++)
        {
            var response = await fixture.Host.Emulator!.Control.PostAsJsonAsync("/_emulator/jobs", new { projectId = project, count = 1, dbUseType = useTypes[i % useTypes.Length], frozen = true });
            response.EnsureSuccessStatusCode();
            ids.Add((await response.Content.ReadFromJsonAsync<JsonObject>())!["jobs"]![0]!["id"]!.GetValue<string>());
        }

        var plain = (await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id detail {{ useType replicationInstance {{ engineType }} }} }} }}"))
            .AssertNoErrors().Data!["jobs"]!.AsArray().Select(j => j!.AsObject()).ToList();
        var byHand = plain.ToDictionary(j => Str(j, "id"), EngineType);
        var guarded = byHand.Values.First(e => e is not null && e.StartsWith("cloudDataGuard-", StringComparison.Ordinal))!;

        await AssertSameAsync($"{{ engineType: {{ eq: \"{guarded}\" }} }}", e => e == guarded);
        await AssertSameAsync("{ engineType: { startsWith: \"cloudDataGuard-\" } }", e => e is not null && e.StartsWith("cloudDataGuard-", StringComparison.Ordinal));
        await AssertSameAsync("{ engineType: { nstartsWith: \"cloudDataGuard-\" } }", e => e is not null && !e.StartsWith("cloudDataGuard-", StringComparison.Ordinal));

        async Task AssertSameAsync(string where, Func<string?, bool> keep)
        {
            var expected = ids.Where(id => keep(byHand[id])).ToList();
            Assert.NotEmpty(expected);
            Assert.NotEqual(ids.Count, expected.Count);
            var answer = (await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}, where: {where}) {{ id }} }}")).AssertNoErrors();
            Assert.Equal(expected, answer.Data!["jobs"]!.AsArray().Select(j => Str(j!, "id")));
        }

        static string? EngineType(JsonObject job) =>
            job["detail"]!["replicationInstance"]?["engineType"]?.GetValue<string>() is not { } engine ? null
            : Str(job["detail"]!, "useType") == "CLOUD_DATA_GUARD" ? "cloudDataGuard-" + engine : engine;
    }

    [Fact]
    public async Task A_status_filter_costs_one_batch_status_call_and_the_page_detail_only_for_the_matches()
    {
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 10);
        await fixture.ClearUpstreamLogAsync();

        var answer = await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}, where: {{ isFailed: {{ eq: true }} }}) {{ id status detail {{ name }} }} }}");

        answer.AssertNoErrors();
        var matches = answer.Data!["jobs"]!.AsArray().Select(j => Str(j!, "id")).ToList();
        Assert.Equal(2, matches.Count);
        var calls = await fixture.UpstreamCallsAsync();
        Assert.Equal(["detail", "status"], calls.Select(c => c.Endpoint).Order());
        Assert.Equal(ids.Order(), calls.Single(c => c.Endpoint == "status").JobIds!.Order());
        Assert.Equal(matches.Order(), calls.Single(c => c.Endpoint == "detail").JobIds!.Order());
    }

    [Fact]
    public async Task A_sort_on_progress_costs_one_batch_progress_call_and_nothing_else()
    {
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 12);
        await fixture.ClearUpstreamLogAsync();

        var answer = await QueryAsync(project, $"{{ jobsConnection(ids: {GatewayFixture.IdList(ids)}, first: 5, order: [{{ progressPercent: DESC }}]) {{ totalCount nodes {{ id progress {{ percent }} }} }} }}");

        answer.AssertNoErrors();
        Assert.Equal(12, answer.Data!["jobsConnection"]!["totalCount"]!.GetValue<int>());
        var percents = answer.Data!["jobsConnection"]!["nodes"]!.AsArray().Select(n => n!["progress"]!["percent"]?.GetValue<double?>()).ToList();
        Assert.Equal(5, percents.Count);
        Assert.Equal(percents.OrderByDescending(p => p), percents);
        var call = Assert.Single(await fixture.UpstreamCallsAsync());
        Assert.Equal("progress", call.Endpoint);
        Assert.Equal(12, call.JobIds!.Count);
    }

    [Fact]
    public async Task Connections_without_filter_batch_their_nodes_with_the_other_root_fields()
    {
        // Answered at once, not as a loader result: their nodes' keys join the phase of job(id:)'s.
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(3, project: project);
        await fixture.ClearUpstreamLogAsync();

        var answer = await QueryAsync(project, $"{{ a: job(id: \"{ids[0]}\") {{ status }} c: jobsConnection(ids: [\"{ids[1]}\"]) {{ nodes {{ status }} }} e: jobsConnection(ids: [\"{ids[2]}\"]) {{ edges {{ node {{ status }} }} }} }}");

        answer.AssertNoErrors();
        var call = Assert.Single(await fixture.UpstreamCallsAsync());
        Assert.Equal("status", call.Endpoint);
        Assert.Equal(ids.Order(), call.JobIds!.Order());
    }

    [Fact]
    public async Task Several_filtered_roots_share_one_call_per_endpoint_for_filtering_and_one_for_their_fields()
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(6, project: project);
        await fixture.ClearUpstreamLogAsync();
        // Each root filters on another endpoint, and its children read all three: the filters' calls go out
        // together (one per endpoint), then the children's (one per endpoint), not five calls one after another.
        string[] filters = ["where: { isFailed: { eq: false } }", "order: [{ progressPercent: DESC }]", "where: { name: { ncontains: \"zzz\" } }"];
        var roots = string.Concat(Enumerable.Range(0, 3).Select(i =>
            $"r{i}: jobs(ids: [\"{ids[2 * i]}\", \"{ids[(2 * i) + 1]}\"], {filters[i]}) {{ id status progress {{ percent }} detail {{ name }} }} "));

        var answer = await QueryAsync(project, $"{{ {roots} }}");

        answer.AssertNoErrors();
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(2, answer.Data![$"r{i}"]!.AsArray().Count));
        var calls = await fixture.UpstreamCallsAsync();
        var filtering = calls.Where(c => c.Sequence <= 3).ToList();
        var children = calls.Where(c => c.Sequence > 3).ToList();
        Assert.Equal(["detail", "progress", "status"], filtering.Select(c => c.Endpoint).Order());
        Assert.Equal(["detail", "progress", "status"], children.Select(c => c.Endpoint).Order());
        Assert.Equal(ids.Order(), calls.Where(c => c.Endpoint == "status").SelectMany(c => c.JobIds!).Order());
    }

    /// <remarks>An ID given twice was two edges with the same node (totalCount counting both), which Relay and Apollo caches cannot hold.</remarks>
    [Theory]
    [InlineData("")]
    [InlineData(", order: [{ name: ASC }]")]
    public async Task A_connection_lists_an_id_given_twice_once_in_its_first_place(string order)
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(3, project: project);
        string[] given = [ids[0], ids[1], ids[0], ids[2], ids[0]];

        var first = await QueryAsync(project, $"{{ jobsConnection(ids: {GatewayFixture.IdList(given)}, first: 2{order}) {{ totalCount nodes {{ id }} pageInfo {{ endCursor }} }} }}");
        var cursor = first.AssertNoErrors().Data!["jobsConnection"]!["pageInfo"]!["endCursor"]!.GetValue<string>();
        var second = await QueryAsync(project, $"{{ jobsConnection(ids: {GatewayFixture.IdList(given)}, first: 2, after: \"{cursor}\"{order}) {{ nodes {{ id }} }} }}");

        Assert.Equal(3, first.Data!["jobsConnection"]!["totalCount"]!.GetValue<int>());
        var walked = first.Data["jobsConnection"]!["nodes"]!.AsArray().Concat(second.AssertNoErrors().Data!["jobsConnection"]!["nodes"]!.AsArray())
            .Select(n => n!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(3, walked.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(3, walked.Count);
        if (order.Length == 0)
        {
            Assert.Equal([ids[0], ids[1], ids[2]], walked);
        }
    }

    [Fact]
    public async Task A_connection_over_given_ids_without_filter_pages_them_in_the_given_order_and_loads_only_the_page()
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(7, project: project);
        await fixture.ClearUpstreamLogAsync();

        var answer = await QueryAsync(project, $"{{ jobsConnection(ids: {GatewayFixture.IdList(ids)}, first: 3) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage }} edges {{ cursor node {{ id status }} }} }} }}");

        answer.AssertNoErrors();
        var connection = answer.Data!["jobsConnection"]!;
        Assert.Equal(7, connection["totalCount"]!.GetValue<int>());
        Assert.True(connection["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
        Assert.False(connection["pageInfo"]!["hasPreviousPage"]!.GetValue<bool>());
        Assert.Equal(ids.Take(3), connection["edges"]!.AsArray().Select(e => Str(e!["node"]!, "id")));
        // This project's calls: another test's on the shared emulator may land in the log meanwhile.
        var call = Assert.Single(await fixture.UpstreamCallsAsync(), c => c.ProjectId == project);
        Assert.Equal(ids.Take(3).Order(), call.JobIds!.Order());
    }

    [Fact]
    public async Task Paging_forwards_and_backwards_over_250_given_ids_returns_every_job_once_in_order()
    {
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 250);
        var host = fixture.Host;
        Task<GraphQLAnswer> QueryAsync(string project, string query) => host.QueryAsync(query, GatewayFixture.Token, null, BrowseJobs.Headers(project));
        var names = (await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ id detail {{ name }} }} }}")).Data!["jobs"]!.AsArray()
            .ToDictionary(j => Str(j!, "id"), j => Detail(j!.AsObject(), "name"));
        var expected = ids.OrderByDescending(id => names[id], StringComparer.Ordinal).ToList();
        Assert.Equal(250, names.Values.Distinct().Count());
        var field = $"jobsConnection(ids: {GatewayFixture.IdList(ids)}, order: [{{ name: DESC }}]";

        var (forwards, backwards) = await BrowseJobs.WalkAsync(q => QueryAsync(project, q), "jobsConnection", field, 40, 40);

        Assert.Equal(expected, forwards);
        Assert.Equal(expected, backwards);
    }

    [Fact]
    public async Task Tampered_and_foreign_cursors_and_bad_paging_arguments_are_refused_with_their_codes()
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(5, project: project);
        var list = GatewayFixture.IdList(ids);
        var page = (await QueryAsync(project, $"{{ jobsConnection(ids: {list}, first: 2) {{ pageInfo {{ endCursor }} }} }}")).AssertNoErrors();
        var cursor = page.Data!["jobsConnection"]!["pageInfo"]!["endCursor"]!.GetValue<string>();
        var tampered = cursor[..5] + (cursor[5] == 'A' ? 'B' : 'A') + cursor[6..];

        Assert.Equal(["INVALID_CURSOR"], (await QueryAsync(project, $"{{ jobsConnection(ids: {list}, after: \"{tampered}\") {{ totalCount }} }}")).Codes);
        Assert.Equal(["INVALID_CURSOR"], (await QueryAsync(project, $"{{ jobsConnection(ids: {list}, after: \"not-a-cursor\") {{ totalCount }} }}")).Codes);
        // The same position, another filter: a cursor is bound to the list it came from.
        Assert.Equal(["INVALID_CURSOR"], (await QueryAsync(project, $"{{ jobsConnection(ids: {list}, after: \"{cursor}\", where: {{ isFailed: {{ eq: false }} }}) {{ totalCount }} }}")).Codes);
        Assert.Equal(["INVALID_CURSOR"], (await QueryAsync(project, $"{{ jobsConnection(ids: {GatewayFixture.IdList(ids.Reverse())}, after: \"{cursor}\") {{ totalCount }} }}")).Codes);
        Assert.Equal(["INVALID_PAGING_ARGUMENTS"], (await QueryAsync(project, $"{{ jobsConnection(ids: {list}, first: -1) {{ totalCount }} }}")).Codes);
        Assert.Equal(["INVALID_PAGING_ARGUMENTS"], (await QueryAsync(project, $"{{ jobsConnection(ids: {list}, first: 1, last: 1) {{ totalCount }} }}")).Codes);
        Assert.Equal(["PAGE_SIZE_EXCEEDED"], (await QueryAsync(project, $"{{ jobsConnection(ids: {list}, first: 51) {{ totalCount }} }}")).Codes);
        Assert.Equal(["INVALID_FILTER"], (await QueryAsync(project, $"{{ jobs(ids: {list}, where: {{ or: [] }}) {{ id }} }}")).Codes);
        Assert.Equal(["INVALID_FILTER"], (await QueryAsync(project, $"{{ jobs(ids: {list}, where: {{ progressPercent: {{ gt: null }} }}) {{ id }} }}")).Codes);
        // The genuine cursor still pages on.
        var next = (await QueryAsync(project, $"{{ jobsConnection(ids: {list}, first: 2, after: \"{cursor}\") {{ nodes {{ id }} }} }}")).AssertNoErrors();
        Assert.Equal(ids.Skip(2).Take(2), next.Data!["jobsConnection"]!["nodes"]!.AsArray().Select(n => Str(n!, "id")));
    }

    [Fact]
    public async Task Within_one_sort_object_the_fields_count_in_the_order_written_literal_or_variable()
    {
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 20);
        var list = GatewayFixture.IdList(ids);
        async Task<List<string>> SortedAsync(string order, object? variables = null, string declare = "")
        {
            var answer = (await fixture.QueryAsync($"query{declare} {{ jobs(ids: {list}, order: {order}) {{ id }} }}", variables, headers: BrowseJobs.Headers(project))).AssertNoErrors();
            return [.. answer.Data!["jobs"]!.AsArray().Select(j => Str(j!, "id"))];
        }

        // The schema lists name before status: an object read in schema order would sort on the name first.
        var statusFirst = await SortedAsync("[{ status: DESC }, { name: ASC }]");
        var nameFirst = await SortedAsync("[{ name: ASC }, { status: DESC }]");
        Assert.NotEqual(statusFirst, nameFirst);

        Assert.Equal(statusFirst, await SortedAsync("[{ status: DESC, name: ASC }]"));
        Assert.Equal(statusFirst, await SortedAsync("{ status: DESC, name: ASC }"));
        Assert.Equal(nameFirst, await SortedAsync("[{ name: ASC, status: DESC }]"));
        // From variables: the JSON keys' order as sent, for the whole list and for one entry.
        Assert.Equal(statusFirst, await SortedAsync("$o", new { o = new[] { new { status = "DESC", name = "ASC" } } }, "($o: [JobSortInput!])"));
        Assert.Equal(statusFirst, await SortedAsync("[$e]", new { e = new { status = "DESC", name = "ASC" } }, "($e: JobSortInput!)"));
        Assert.Equal(nameFirst, await SortedAsync("$o", new { o = new[] { new { name = "ASC", status = "DESC" } } }, "($o: [JobSortInput!])"));

        // A cursor is bound to the order applied: one of { status, name } does not page { name, status }.
        var cursor = (await fixture.QueryAsync($"{{ jobsConnection(ids: {list}, first: 2, order: {{ status: DESC, name: ASC }}) {{ pageInfo {{ endCursor }} }} }}", headers: BrowseJobs.Headers(project)))
            .AssertNoErrors().Data!["jobsConnection"]!["pageInfo"]!["endCursor"]!.GetValue<string>();
        var next = (await fixture.QueryAsync($"{{ jobsConnection(ids: {list}, first: 2, after: \"{cursor}\", order: [{{ status: DESC }}, {{ name: ASC }}]) {{ nodes {{ id }} }} }}", headers: BrowseJobs.Headers(project))).AssertNoErrors();
        Assert.Equal(statusFirst[2..4], next.Data!["jobsConnection"]!["nodes"]!.AsArray().Select(n => Str(n!, "id")));
        Assert.Equal(["INVALID_CURSOR"], (await fixture.QueryAsync($"{{ jobsConnection(ids: {list}, first: 2, after: \"{cursor}\", order: {{ name: ASC, status: DESC }}) {{ nodes {{ id }} }} }}", headers: BrowseJobs.Headers(project))).Codes);
    }

    private Task<GraphQLAnswer> QueryAsync(string project, string query) =>
        fixture.QueryAsync(query, headers: BrowseJobs.Headers(project));

    private static string Str(JsonNode node, string name) => node[name]!.GetValue<string>();

    private static string Detail(JsonObject job, string name) => job["detail"]![name]!.GetValue<string>();

    private static double? Percent(JsonObject job) => job["progress"]!["percent"]?.GetValue<double>();
}
