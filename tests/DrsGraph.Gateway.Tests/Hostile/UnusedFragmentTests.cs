using System.Net;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// Fragments no operation uses are refused before validation, with the spec's errors (5.5.1.4): GraphQL.NET's own
/// rule validated every unused fragment and found each error's line by scanning the query from its start, so
/// hundreds of them (within MaxFragments) cost ~150 ms of CPU per request.
/// </summary>
public sealed class UnusedFragmentTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    private const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    [Fact]
    public async Task An_unused_fragment_gets_the_specs_error_at_its_line_and_column()
    {
        // \r\n, a lone \r and \n all end a line; the fragment starts on line 4, column 3.
        var query = $"query Q {{ job(id: \"{JobId}\") {{ ...Used }} }}\r\nfragment Used on Job {{ id }}\r\r\n  fragment Spare on Job {{ status }}\n";

        var answer = await fixture.Rig.QueryAsync(query);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        var error = Assert.Single(answer.Errors)!;
        Assert.Equal("Fragment 'Spare' is never used.", error["message"]!.GetValue<string>());
        Assert.Equal("NO_UNUSED_FRAGMENTS", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("5.5.1.4", error["extensions"]!["number"]!.GetValue<string>());
        var location = Assert.Single(error["locations"]!.AsArray())!;
        Assert.Equal((4, 3), (location["line"]!.GetValue<int>(), location["column"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Unused_fragments_are_refused_before_validation_reads_their_fields()
    {
        // Without the pre-check, validation also reports the unknown field inside the unused fragment.
        var answer = await fixture.Rig.QueryAsync($"{{ job(id: \"{JobId}\") {{ id }} }} fragment Spare on Job {{ noSuchField }}");

        Assert.Equal(["NO_UNUSED_FRAGMENTS"], answer.Codes);
    }

    [Fact]
    public async Task Fragments_used_through_other_fragments_and_cycles_count_as_used_and_one_spread_only_by_an_unused_one_does_not()
    {
        // A spreads B, which spreads C from an inline fragment; D is spread only by the unused E.
        var used = await fixture.Rig.QueryAsync($"{{ job(id: \"{JobId}\") {{ ...A }} }} fragment A on Job {{ id ...B }} fragment B on Job {{ status ... on Job {{ ...C }} }} fragment C on Job {{ phase }}");
        used.AssertNoErrors();

        var answer = await fixture.Rig.QueryAsync($"{{ job(id: \"{JobId}\") {{ ...A }} }} fragment A on Job {{ id }} fragment E on Job {{ ...D }} fragment D on Job {{ phase }}");

        Assert.Equal(["Fragment 'E' is never used.", "Fragment 'D' is never used."], answer.Errors.Select(e => e!["message"]!.GetValue<string>()));

        // A cycle is used (and another rule's error): the walk ends, and validation reports the cycle.
        var cycle = await fixture.Rig.QueryAsync($"{{ job(id: \"{JobId}\") {{ ...A }} }} fragment A on Job {{ id ...B }} fragment B on Job {{ status ...A }}");
        Assert.NotEmpty(cycle.Errors);
        Assert.DoesNotContain("NO_UNUSED_FRAGMENTS", cycle.Codes);
    }

    [Fact]
    public async Task Nine_hundred_unused_fragments_get_the_first_hundred_errors_and_a_count()
    {
        var query = $"{{ job(id: \"{JobId}\") {{ id }} }} " + string.Concat(Enumerable.Range(0, 900).Select(i => $"fragment F{i} on Job {{ id }} "));

        var answer = await fixture.Rig.QueryAsync(query);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(101, answer.Errors.Count);
        Assert.All(answer.Errors.Take(100), e => Assert.Equal("NO_UNUSED_FRAGMENTS", e!["extensions"]!["code"]!.GetValue<string>()));
        Assert.Equal("Fragment 'F99' is never used.", answer.Errors[99]!["message"]!.GetValue<string>());
        var last = answer.Errors[100]!;
        Assert.Equal("TOO_MANY_VALIDATION_ERRORS", last["extensions"]!["code"]!.GetValue<string>());
        Assert.Contains("first 100 of 900", last["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_document_of_fragments_only_keeps_the_executers_own_error()
    {
        var answer = await fixture.Rig.QueryAsync("fragment Spare on Job { id }");

        Assert.DoesNotContain("NO_UNUSED_FRAGMENTS", answer.Codes);
        Assert.NotEmpty(answer.Errors);
    }
}
