using System.Net;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// Validation's merge check compares fields sharing a response name pair by pair and reports each conflicting
/// pair: 1200 fields once cost 23 s, 1 GB and 360 000 errors. Such documents are refused before validation,
/// whatever shape brings the fields together; documents that merely repeat a field still run.
/// </summary>
public sealed class SameNameFieldTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    private const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    public static TheoryData<string, string> Shapes()
    {
        var job = $"job(id: \"{JobId}\")";
        return new TheoryData<string, string>
        {
            { "150 x 's: status s: phase' (22 500 errors before)", $"{{ {job} {{ {Repeat("s: status s: phase ", 150)} }} }}" },
            { "600 x 's: status s: phase' (360 000 errors, 23 s before)", $"{{ {job} {{ {Repeat("s: status s: phase ", 600)} }} }}" },
            { "1000 unaliased job fields", $"{{ {string.Concat(Enumerable.Range(0, 1000).Select(i => $"job(id: \"00000000-0000-0000-0000-{i:x8}jb00\") {{ id }} "))} }}" },
            { "same-named parents whose children merge", $"{{ {Repeat($"a: {job} {{ s: status s: phase }} ", 15)} }}" },
            { "many fragments spread into one selection", $"{{ {job} {{ {string.Concat(Enumerable.Range(0, 30).Select(i => $"...F{i} "))} }} }} {string.Concat(Enumerable.Range(0, 30).Select(i => $"fragment F{i} on Job {{ s: {(i % 2 == 0 ? "status" : "phase")} }} "))}" },
            { "inline fragments", $"{{ {job} {{ {Repeat("... on Job { s: status } ... { s: phase } ", 15)} }} }}" },
            { "fragments under same-named parents", $"{{ {string.Concat(Enumerable.Range(0, 12).Select(i => $"a: {job} {{ ...F{i} }} "))} }} {string.Concat(Enumerable.Range(0, 12).Select(i => $"fragment F{i} on Job {{ ...G{i} }} fragment G{i} on Job {{ s: status s: phase }} "))}" },
            // Copies of one plain leaf count once only while nothing else answers under their name.
            { "Relay-style fragments beside one 'id: phase'", $"{{ {job} {{ id: phase {Fragments(25, "id __typename")} }} }} {FragmentDefinitions(25, _ => "id __typename")}" },
            { "copies of 'id', one with a directive", $"{{ {job} {{ id @include(if: true) {Repeat("id ", 21)} }} }}" },
            // Job.status is a JobStatus, JobDetail.status a JobStatus!: every pair across the two types conflicts (10 000 here).
            { "copies of 'status' asked of two types", $"{{ {job} {{ {Repeat("... on Job { status } ", 100)} {Repeat("... on JobDetail { status } ", 100)} }} }}" },
            { "copies of 'status' beside copies of 'status: phase'", $"{{ {job} {{ {Repeat("status ", 11)} {Fragments(11, "")} }} }} {FragmentDefinitions(11, _ => "status: phase")}" },
        };
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Many_fields_sharing_one_response_name_are_refused_with_one_small_error(string what, string query)
    {
        var answer = await fixture.Rig.QueryAsync(query);

        Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{what}: {(int)answer.Status} {answer.Raw[..Math.Min(500, answer.Raw.Length)]}");
        Assert.Equal("TOO_MANY_SAME_NAME_FIELDS", Assert.Single(answer.Codes));
        Assert.True(answer.Raw.Length < 1000, $"{what}: {answer.Raw.Length} characters");
    }

    [Fact]
    public async Task Relay_style_colocated_fragments_each_selecting_id_and_typename_pass_and_run()
    {
        // Relay adds `id` and `__typename` to every fragment, Apollo `__typename` to every selection set: here 61
        // copies of `id` land in one selection set (30 fragments, each spreading a child's). They never conflict.
        var query = $"{{ job(id: \"{JobId}\") {{ id {Fragments(30, "")} }} }} "
            + FragmentDefinitions(30, i => $"id __typename status ...G{i}")
            + string.Concat(Enumerable.Range(0, 30).Select(i => $"fragment G{i} on Job {{ id __typename phase isTerminal }} "));

        var answer = await fixture.Rig.QueryAsync(query);

        answer.AssertNoErrors();
        var data = answer.Data!["job"]!.AsObject();
        Assert.Equal(JobId, data["id"]!.GetValue<string>());
        Assert.Equal("Job", data["__typename"]!.GetValue<string>());
        Assert.Equal(new[] { "id", "__typename", "status", "phase", "isTerminal" }, data.Select(p => p.Key));
    }

    [Fact]
    public async Task Thousands_of_copies_of_one_field_are_refused_though_they_count_once()
    {
        // They never conflict, but validation still compares them pair by pair: 4900 copies cost 0.5 s.
        var answer = await fixture.Rig.QueryAsync($"{{ job(id: \"{JobId}\") {{ {Repeat("id ", 4900)} }} }}");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("TOO_MANY_SAME_NAME_FIELDS", Assert.Single(answer.Codes));
        var message = answer.Errors.Single()!["message"]!.GetValue<string>();
        Assert.Contains("'job.id' alone has 4900", message, StringComparison.Ordinal);
        Assert.Contains("Gateway:Limits:MaxIdenticalLeafPairs", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_response_names_each_repeated_within_the_limit_are_refused_together()
    {
        // 240 names of 20 conflicting fields: each within MaxFieldsPerResponseName, 24 000 errors (5 s) in all.
        var selections = string.Concat(Enumerable.Range(0, 240).Select(i => Repeat($"s{i}: status s{i}: phase ", 10)));

        var answer = await fixture.Rig.QueryAsync($"{{ job(id: \"{JobId}\") {{ {selections} }} }}");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("TOO_MANY_SAME_NAME_FIELDS", Assert.Single(answer.Codes));
        Assert.Contains("45600 pairs", answer.Errors.Single()!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_fragment_spread_many_times_into_one_selection_counts_once()
    {
        // The merge check does not compare a fragment with itself, so a repeated spread adds no pairs.
        var query = $"{{ job(id: \"{JobId}\") {{ {Repeat("...F ", 500)} }} }} fragment F on Job {{ id status status }}";

        var answer = await fixture.Rig.QueryAsync(query);

        answer.AssertNoErrors();
        Assert.Equal("9a470239-2308-4bb5-a6bc-1040402fjb21", answer.Data!["job"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Repeated_identical_fields_within_the_limit_still_run()
    {
        var answer = await fixture.Rig.QueryAsync($"{{ job(id: \"{JobId}\") {{ {Repeat("id ", 19)} status ...F ... on Job {{ status }} }} }} fragment F on Job {{ id status }}");

        answer.AssertNoErrors();
        Assert.Equal(JobId, answer.Data!["job"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Conflicts_within_the_limit_answer_at_most_a_hundred_errors_and_a_count()
    {
        // 40 response names of 10 fields each (1800 pairs), 25 conflicting pairs each: 1000 errors without the cap.
        var selections = string.Concat(Enumerable.Range(0, 40).Select(i => Repeat($"s{i}: status s{i}: phase ", 5)));

        var answer = await fixture.Rig.QueryAsync($"{{ job(id: \"{JobId}\") {{ {selections} }} }}");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(101, answer.Errors.Count);
        Assert.All(answer.Codes.Take(100), code => Assert.Equal("OVERLAPPING_FIELDS_CAN_BE_MERGED", code));
        Assert.Equal("TOO_MANY_VALIDATION_ERRORS", answer.Codes.Last());
        Assert.Contains("the first 100 of 1000", answer.Errors.Last()!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static string Repeat(string text, int times) => string.Concat(Enumerable.Repeat(text, times));

    /// <summary>Spreads of F0 to F(count - 1), each preceded by <paramref name="beside"/>.</summary>
    private static string Fragments(int count, string beside) => string.Concat(Enumerable.Range(0, count).Select(i => $"{beside} ...F{i} "));

    private static string FragmentDefinitions(int count, Func<int, string> selections) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"fragment F{i} on Job {{ {selections(i)} }} "));
}
