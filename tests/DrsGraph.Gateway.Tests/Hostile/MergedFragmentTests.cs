using System.Net;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// Validation's merge check compares every pair of fragments spread into one selection set, even when they share
/// no response name: 499 fragments in one set (within MaxFragments) cost about 0.6 s of CPU per request. Such
/// documents are refused before validation; clients spreading tens of fragments into one set still run.
/// </summary>
public sealed class MergedFragmentTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    private const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    public static TheoryData<string, string> Shapes()
    {
        var job = $"job(id: \"{JobId}\")";
        return new TheoryData<string, string>
        {
            { "499 fragments sharing no response name, spread into one set (0.6 s before)", $"{{ {job} {{ {Spreads("F", 0, 499)} }} }} {Definitions("F", 0, 499, i => $"a{i}: id")}" },
            { "two fragments each spreading 248 more", $"{{ {job} {{ ...A ...B }} }} fragment A on Job {{ {Spreads("F", 0, 248)} }} fragment B on Job {{ {Spreads("F", 248, 248)} }} {Definitions("F", 0, 496, i => $"a{i}: id")}" },
            { "a chain of 400 fragments, each spreading the next", $"{{ {job} {{ ...F0 }} }} {Definitions("F", 0, 400, i => i < 399 ? $"a{i}: id ...F{i + 1}" : "id")}" },
            { "fragments spread under same-named parents", $"{{ {string.Concat(Enumerable.Range(0, 10).Select(p => $"a: {job} {{ {Spreads("F", p * 10, 10)} }} "))} }} {Definitions("F", 0, 100, i => $"a{i}: id")}" },
        };
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Many_fragments_spread_into_one_selection_set_are_refused_before_validation(string what, string query)
    {
        var answer = await fixture.Rig.QueryAsync(query);

        Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{what}: {(int)answer.Status} {answer.Raw[..Math.Min(500, answer.Raw.Length)]}");
        Assert.Equal("TOO_MANY_MERGED_FRAGMENTS", Assert.Single(answer.Codes));
        Assert.Contains("Gateway:Limits:MaxFragmentComparisons", answer.Errors.Single()!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seventy_fragments_spread_into_one_selection_set_still_run()
    {
        // A large Relay screen: 35 component fragments on one job, each spreading a child's, every one with `id`.
        var query = $"{{ job(id: \"{JobId}\") {{ {Spreads("F", 0, 35)} }} }} "
            + Definitions("F", 0, 35, i => $"id f{i}: status ...G{i}")
            + Definitions("G", 0, 35, i => $"id g{i}: phase");

        var answer = await fixture.Rig.QueryAsync(query);

        answer.AssertNoErrors();
        var data = answer.Data!["job"]!.AsObject();
        Assert.Equal(JobId, data["id"]!.GetValue<string>());
        Assert.Equal(71, data.Count);
    }

    private static string Spreads(string prefix, int first, int count) =>
        string.Concat(Enumerable.Range(first, count).Select(i => $"...{prefix}{i} "));

    private static string Definitions(string prefix, int first, int count, Func<int, string> selections) =>
        string.Concat(Enumerable.Range(first, count).Select(i => $"fragment {prefix}{i} on Job {{ {selections(i)} }} "));
}
