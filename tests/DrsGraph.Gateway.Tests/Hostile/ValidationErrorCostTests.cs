using System.Text.Json.Nodes;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// A document written to fail validation thousands of times: each error's location was found by scanning the query text
/// from its start (2 400 undefined variables behind a 900 KB comment cost 4.9 s of CPU), and again for every operation
/// spreading the fragment that holds them. Locations are now found once, for the errors answered, and the operations'
/// variable usages summed are bounded. The locations must still be exactly where the nodes are.
/// </summary>
public sealed class ValidationErrorCostTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task Validation_errors_point_at_their_nodes_whatever_the_line_endings_and_padding(string newline)
    {
        var padding = "# " + new string('x', 200_000) + newline;
        var query = padding + "query {" + newline + "  a: jobs(ids: [$u]) { id }" + newline + newline + "  b: job(id: $v) { id }" + newline + "}";

        var answer = await fixture.Rig.QueryAsync(query);

        Assert.Equal(["NO_UNDEFINED_VARIABLES", "NO_UNDEFINED_VARIABLES"], answer.Codes);
        // $u: line 3, after "  a: jobs(ids: [" (16 characters); $v: line 5, after "  b: job(id: " (13); each error also points at the operation.
        Assert.Equal([(3, 17), (2, 1)], Locations(answer.Errors[0]!));
        Assert.Equal([(5, 14), (2, 1)], Locations(answer.Errors[1]!));
    }

    [Fact]
    public async Task Thousands_of_errors_answer_the_first_hundred_with_their_locations()
    {
        var query = "# " + new string('x', 500_000) + "\nquery { jobs(ids: [" + string.Join(", ", Enumerable.Repeat("$u", 2400)) + "]) { id } }";

        var answer = await fixture.Rig.QueryAsync(query);

        Assert.Equal(101, answer.Errors.Count);
        Assert.Equal("TOO_MANY_VALIDATION_ERRORS", answer.Codes.Last());
        Assert.Equal((2, 20), Locations(answer.Errors[0]!)[0]);
        Assert.Equal((2, 24), Locations(answer.Errors[1]!)[0]);
        (await fixture.Rig.QueryAsync("{ __typename }")).AssertNoErrors();
    }

    [Fact]
    public async Task A_fragment_s_variables_count_for_every_operation_that_spreads_it()
    {
        // 600 usages in one fragment: within the 2500 input values; spread by 5 operations they are 3000 for validation.
        var fragment = "fragment F on Query { jobs(ids: [" + string.Join(", ", Enumerable.Repeat("$u", 600)) + "]) { id } }";
        static string Operations(int n) => string.Join(" ", Enumerable.Range(0, n).Select(i => $"query O{i}($u: ID!) {{ ...F }}"));

        var over = await fixture.Rig.QueryAsync(Operations(5) + " " + fragment);
        var within = await fixture.Rig.QueryAsync(Operations(4) + " " + fragment);

        Assert.Equal(["TOO_MANY_INPUT_VALUES"], over.Codes);
        Assert.Contains("a fragment's once for every operation that spreads it", over.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        // Within the limit, validation goes on (no operation name is given for four operations).
        Assert.DoesNotContain("TOO_MANY_INPUT_VALUES", within.Codes);
    }

    [Fact]
    public async Task A_huge_value_that_cannot_be_coerced_is_not_quoted_whole_in_its_error()
    {
        var answer = await fixture.Rig.QueryAsync("query($n: Int) { projectJobs(first: $n) { totalCount } }", variables: new { n = new string('x', 200_000) });

        var message = Assert.Single(answer.Errors)!["message"]!.GetValue<string>();
        Assert.InRange(message.Length, 100, 5100);
        Assert.EndsWith("(cut short)", message, StringComparison.Ordinal);
    }

    private static List<(int Line, int Column)> Locations(JsonNode error) =>
        [.. error["locations"]!.AsArray().Select(l => (l!["line"]!.GetValue<int>(), l["column"]!.GetValue<int>()))];
}
