using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Browsing;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Browsing;

/// <summary>
/// Where the browsing fields' errors land: a failed connection nulls itself only, a malformed ID's error points at
/// its null (or at the field, when the answer has no place for it), tag filters are checked like the others, and a
/// name DRS would read as job IDs is not sent to DRS.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class BrowseFieldErrorTests(GatewayFixture fixture)
{
    private const string Malformed = "not-a-job-id";

    [Theory]
    [InlineData("projectJobs(after: \"garbage\")", "INVALID_CURSOR")]
    [InlineData("projectJobs(first: 51)", "PAGE_SIZE_EXCEEDED")]
    [InlineData("projectJobs(region: \"atlantis\")", "UNKNOWN_REGION")]
    [InlineData("jobsConnection(ids: [], after: \"garbage\")", "INVALID_CURSOR")]
    [InlineData("jobsConnection(ids: [], where: { or: [] })", "INVALID_FILTER")]
    public async Task A_refused_connection_is_null_with_its_error_and_the_other_root_fields_keep_their_data(string field, string code)
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(2, project: project);

        var answer = await fixture.QueryAsync(
            $"{{ page: {field} {{ totalCount }} byId: job(id: \"{ids[0]}\") {{ id status }} jobs(ids: {GatewayFixture.IdList(ids)}) {{ id }} }}",
            headers: BrowseJobs.Headers(project));

        Assert.Equal([code], answer.Codes);
        Assert.Equal(["page"], answer.Errors[0]!["path"]!.AsArray().Select(p => p!.GetValue<string>()));
        var data = answer.Data!.AsObject();
        Assert.True(data.ContainsKey("page"));
        Assert.Null(data["page"]);
        Assert.Equal(ids[0], data["byId"]!["id"]!.GetValue<string>());
        Assert.NotNull(data["byId"]!["status"]);
        Assert.Equal(ids, data["jobs"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("projectJobs(first: 100000)", null)]
    [InlineData("projectJobs(last: 100000)", null)]
    [InlineData("projectJobs(first: $n)", 100000)]
    [InlineData("jobsConnection(ids: [\"00000000-0000-0000-0000-00000000jb00\"], first: 100000)", null)]
    public async Task A_page_far_above_the_largest_is_the_field_s_PAGE_SIZE_EXCEEDED_not_a_request_refused_as_too_large(string field, int? n)
    {
        // Counted as asked, 100 000 nodes with their fields would be a RESULT_TOO_LARGE estimate for the whole
        // request: no data at all, and a code that does not say the page is what to change.
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(1, project: project);

        var answer = await fixture.QueryAsync(
            $"query{(n is null ? "" : "($n: Int)")} {{ page: {field} {{ totalCount pageInfo {{ hasNextPage }} nodes {{ id status }} edges {{ cursor node {{ id }} }} }} byId: job(id: \"{ids[0]}\") {{ id }} }}",
            variables: n is null ? null : new { n }, headers: BrowseJobs.Headers(project));

        Assert.Equal(["PAGE_SIZE_EXCEEDED"], answer.Codes);
        Assert.Null(answer.Data!["page"]);
        Assert.Equal(ids[0], answer.Data!["byId"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_malformed_id_s_error_points_at_its_null_or_at_the_field_when_the_answer_has_no_place_for_it()
    {
        var project = BrowseJobs.NewProject();
        var ids = await BrowseJobs.CreateAsync(fixture.Host.Emulator!, project, 3);
        var given = GatewayFixture.IdList([ids[0], Malformed, ids[1], ids[2]]);

        // As given: the null is at the malformed ID's position.
        var plain = await QueryAsync(project, $"{{ jobs(ids: {given}) {{ id }} }}");
        // Reordered and filtered: only valid jobs, sorted by name; the malformed one has no position.
        var ordered = await QueryAsync(project, $"{{ jobs(ids: {given}, order: [{{ name: DESC }}]) {{ id }} }}");
        var filtered = await QueryAsync(project, $"{{ mine: jobs(ids: {given}, where: {{ status: {{ neq: CONFIGURATION }} }}) {{ id }} }}");
        // A connection's nodes are not its ids list.
        var connection = await QueryAsync(project, $"{{ jobsConnection(ids: {given}, first: 10) {{ totalCount nodes {{ id }} }} }}");

        Assert.Equal(["jobs", "1"], PathOf(plain));
        Assert.Null(plain.Data!["jobs"]![1]);
        Assert.Equal(["jobs"], PathOf(ordered));
        Assert.Equal(3, ordered.Data!["jobs"]!.AsArray().Count);
        Assert.All(ordered.Data!["jobs"]!.AsArray(), j => Assert.NotNull(j));
        Assert.Equal(["mine"], PathOf(filtered));
        Assert.All(filtered.Data!["mine"]!.AsArray(), j => Assert.NotNull(j));
        Assert.Equal(["jobsConnection"], PathOf(connection));
        Assert.Equal(3, connection.Data!["jobsConnection"]!["totalCount"]!.GetValue<int>());
        Assert.Equal(ids, connection.Data!["jobsConnection"]!["nodes"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()));

        static List<string> PathOf(GraphQLAnswer answer)
        {
            var error = Assert.Single(answer.Errors);
            Assert.Equal("INVALID_JOB_ID", error!["extensions"]!["code"]!.GetValue<string>());
            Assert.Contains(Malformed, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
            return [.. error["path"]!.AsArray().Select(p => p!.ToString())];
        }
    }

    [Fact]
    public async Task A_filter_of_more_than_five_hundred_terms_in_all_is_refused_whatever_its_lists()
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(2, project: project);
        // Each entry counts 3 with a 1-value list (the and entry, the field, the operation) plus its values: 4 entries of
        // 100 values are 412 terms, 5 are 515. Each list stays within its own 100.
        static string Where(int entries) => $"{{ and: [{string.Join(", ", Enumerable.Range(0, entries).Select(e =>
            $"{{ name: {{ nin: [{string.Join(", ", Enumerable.Range(0, 100).Select(i => $"\"n{e}-{i}\""))}] }} }}"))}] }}";

        var over = await QueryAsync(project, $"{{ projectJobs(where: {Where(5)}) {{ totalCount }} }}");
        var overIds = await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}, where: {Where(5)}) {{ id }} }}");

        Assert.Equal(["INVALID_FILTER"], over.Codes);
        Assert.Contains("more than 500 terms", over.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["INVALID_FILTER"], overIds.Codes);
        var within = (await QueryAsync(project, $"{{ projectJobs(where: {Where(4)}) {{ totalCount }} }}")).AssertNoErrors();
        Assert.Equal(2, within.Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_order_of_more_than_twenty_entries_is_refused_and_repeated_keys_change_nothing()
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(3, project: project);
        const string Query = "query($o: [JobSortInput!]) { projectJobs(first: 1, order: $o) { totalCount } }";
        const string ByIds = "query($ids: [ID!]!, $o: [JobSortInput!]) { jobsConnection(ids: $ids, order: $o) { totalCount } }";
        static object[] Entries(int n) => [.. Enumerable.Range(0, n).Select(i => i % 2 == 0 ? (object)new { status = "ASC" } : new { createdAt = "DESC" })];

        // Sent as a variable the list was bounded by nothing: 40 000 entries cost 9 s of CPU.
        var over = await fixture.QueryAsync(Query, new { o = Entries(21) }, headers: BrowseJobs.Headers(project));
        var overIds = await fixture.QueryAsync(ByIds, new { ids, o = Entries(40_000) }, headers: BrowseJobs.Headers(project));
        var within = await fixture.QueryAsync(Query, new { o = Entries(20) }, headers: BrowseJobs.Headers(project));

        Assert.Equal(["INVALID_ORDER"], over.Codes);
        Assert.Contains("more than 20 entries", over.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["INVALID_ORDER"], overIds.Codes);
        within.AssertNoErrors();
        Assert.Equal(3, within.Data!["projectJobs"]!["totalCount"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("{ some: { key: {} } }")]
    [InlineData("{ all: { value: {} } }")]
    [InlineData("{ some: { or: [] } }")]
    [InlineData("{ none: { and: [{ or: [] }] } }")]
    [InlineData("{ some: { value: { in: [VALUES] } } }")]
    [InlineData("{ some: { key: { nin: [VALUES] } } }")]
    public async Task Tag_filters_get_the_same_checks_as_the_other_filters(string tags)
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(2, project: project);
        var where = $"{{ tags: {tags.Replace("VALUES", string.Join(", ", Enumerable.Range(0, 101).Select(i => $"\"v{i}\"")), StringComparison.Ordinal)} }}";

        var overIds = await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}, where: {where}) {{ id }} }}");
        var overProject = await QueryAsync(project, $"{{ projectJobs(where: {where}) {{ totalCount }} }}");

        Assert.Equal(["INVALID_FILTER"], overIds.Codes);
        Assert.Equal(["INVALID_FILTER"], overProject.Codes);
        // 100 values are fine, as in other filters.
        if (tags.Contains("VALUES", StringComparison.Ordinal))
        {
            var hundred = $"{{ tags: {tags.Replace("VALUES", string.Join(", ", Enumerable.Range(0, 100).Select(i => $"\"v{i}\"")), StringComparison.Ordinal)} }}";
            (await QueryAsync(project, $"{{ jobs(ids: {GatewayFixture.IdList(ids)}, where: {hundred}) {{ id }} }}")).AssertNoErrors();
        }
    }

    [Fact]
    public async Task A_name_DRS_would_read_as_job_ids_is_filtered_here_and_the_job_of_that_name_is_found()
    {
        // DRS's list reads its name field as job IDs when they look like IDs: a job named after another job's ID,
        // or after any ID-shaped string, would be lost (DRS would list the job with that ID, or nothing).
        var project = BrowseJobs.NewProject();
        var other = (await fixture.Host.Emulator!.CreateJobsAsync(1, project: project)).Single();
        const string IdShaped = "12345678-aaaa-bbbb-cccc-1234567890ab";
        var namedAfterOther = await CreateNamedAsync(project, other);
        var namedIdShaped = await CreateNamedAsync(project, IdShaped);
        var namedList = await CreateNamedAsync(project, $"{IdShaped},{other}");
        var plain = await CreateNamedAsync(project, "plain-name");
        await fixture.ClearUpstreamLogAsync();

        Assert.Equal([namedAfterOther], await NamedAsync($"eq: \"{other}\""));
        Assert.Equal([namedIdShaped], await NamedAsync($"in: [\"{IdShaped}\"]"));
        Assert.Equal([namedList], await NamedAsync($"eq: \"{IdShaped},{other}\""));
        var idCalls = await fixture.UpstreamCallsAsync();
        await fixture.ClearUpstreamLogAsync();
        Assert.Equal([plain], await NamedAsync("eq: \"plain-name\""));
        var nameCalls = await fixture.UpstreamCallsAsync();

        // None of the ID-shaped names went to DRS; a plain name still does.
        Assert.NotEmpty(idCalls);
        Assert.All(idCalls.Where(c => c.Endpoint == "list"), c => Assert.Null(c.ListQuery!.Name));
        Assert.Equal("plain-name", Assert.Single(nameCalls, c => c.Endpoint == "list").ListQuery!.Name);

        async Task<List<string>> NamedAsync(string operation) =>
            [.. (await QueryAsync(project, $"{{ projectJobs(first: 50, where: {{ useType: {{ eq: MIGRATION }}, name: {{ {operation} }} }}) {{ nodes {{ id }} }} }}"))
                .AssertNoErrors().Data!["projectJobs"]!["nodes"]!.AsArray().Select(n => n!["id"]!.GetValue<string>())];
    }

    [Theory]
    [InlineData("and")]
    [InlineData("or")]
    public async Task And_or_nest_eight_deep_and_no_deeper(string combinator)
    {
        var project = BrowseJobs.NewProject();

        var eight = await QueryAsync(project, $"{{ jobsConnection(ids: [], where: {Nested(combinator, BrowseArguments.MaxFilterDepth)}) {{ totalCount }} }}");
        var nine = await QueryAsync(project, $"{{ jobsConnection(ids: [], where: {Nested(combinator, BrowseArguments.MaxFilterDepth + 1)}) {{ totalCount }} }}");

        Assert.Equal(8, BrowseArguments.MaxFilterDepth);
        Assert.Equal(0, eight.AssertNoErrors().Data!["jobsConnection"]!["totalCount"]!.GetValue<int>());
        Assert.Equal(["INVALID_FILTER"], nine.Codes);
        Assert.Contains("deeper than 8", nine.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // `{ and: [{ and: [ ... { status: { eq: DELETED } } ] }] }`, with `levels` nested and/or.
        static string Nested(string combinator, int levels) =>
            levels == 0 ? "{ status: { eq: DELETED } }" : $"{{ {combinator}: [{Nested(combinator, levels - 1)}] }}";
    }

    private async Task<string> CreateNamedAsync(string project, string name)
    {
        var response = await fixture.Host.Emulator!.Control.PostAsJsonAsync("/_emulator/jobs", new { projectId = project, count = 1, name, dbUseType = "migration", frozen = true });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["jobs"]![0]!["id"]!.GetValue<string>();
    }

    /// <remarks>
    /// GraphQL's Float is finite; a JSON variable of 1e400 reads as infinity, which GraphQL.NET's Float let through (the
    /// filter then compared against it), while the same number in the query text is refused at validation.
    /// </remarks>
    [Theory]
    [InlineData("""{"f":1e400}""", "progressPercent: { gt: $f }", "Float")]
    [InlineData("""{"f":-1e400}""", "progressPercent: { lt: $f }", "Float")]
    [InlineData("""{"f":[1,1e400]}""", "progressPercent: { in: $f }", "[Float!]")]
    public async Task A_float_variable_past_the_double_range_is_an_invalid_filter_not_infinity(string variables, string filter, string type)
    {
        var project = BrowseJobs.NewProject();
        var ids = await fixture.Host.Emulator!.CreateJobsAsync(2, project: project);

        var answer = await fixture.QueryAsync(
            $"query($f: {type}) {{ jobs(ids: {GatewayFixture.IdList(ids)}, where: {{ {filter} }}) {{ id }} }}",
            JsonNode.Parse(variables), headers: BrowseJobs.Headers(project));

        Assert.Equal(["INVALID_FILTER"], answer.Codes);
        Assert.Contains("is not a finite number", answer.Errors.Single()!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private Task<GraphQLAnswer> QueryAsync(string project, string query) =>
        fixture.QueryAsync(query, headers: BrowseJobs.Headers(project));
}
