using System.Text.RegularExpressions;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Browsing;

/// <summary>The README's browsing examples run as written (against the emulator's seeded jobs), and the limits count connections by their page.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed partial class BrowsingReadmeTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Every_graphql_example_of_the_browsing_section_runs_without_errors()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"));
        var start = readme.IndexOf("## Browsing jobs", StringComparison.Ordinal);
        var section = readme[start..readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal)];
        var examples = GraphQLBlock().Matches(section).Select(m => m.Groups[1].Value).ToList();

        // A gateway of its own: listing the demo project primes the status cache, which other tests of the shared gateway must not see.
        await using var host = GatewayHost.Builder().WithEmulator(fixture.Host.Emulator!).Start();
        Assert.Equal(2, examples.Count);
        foreach (var example in examples)
        {
            var answer = (await host.QueryAsync(example, GatewayFixture.Token)).AssertNoErrors();
            Assert.NotNull(answer.Data);
        }

        // The first one lists the demo project's failed migration jobs: the seed has some.
        var page = (await host.QueryAsync(examples[0], GatewayFixture.Token)).Data!["projectJobs"]!;
        Assert.True(page["totalCount"]!.GetValue<int>() > 0);
        Assert.All(page["edges"]!.AsArray(), e => Assert.EndsWith("_FAILED", e!["node"]!["status"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_job_budget_counts_a_project_connection_by_its_page_and_a_connection_over_ids_by_its_ids()
    {
        // 21 pages of 50 = 1050 job references, over Gateway:Limits:MaxJobReferences (1000); 20 pages fit.
        var tooMany = string.Join(" ", Enumerable.Range(0, 21).Select(i => $"p{i}: projectJobs(first: 50, where: {{ useType: {{ eq: SYNC }} }}) {{ totalCount }}"));
        var enough = string.Join(" ", Enumerable.Range(0, 20).Select(i => $"p{i}: projectJobs(first: 50, where: {{ useType: {{ eq: SYNC }} }}) {{ totalCount }}"));
        var ids = await fixture.CreateJobsAsync(3);
        var byIds = string.Join(" ", Enumerable.Range(0, 334).Select(i => $"c{i}: jobsConnection(ids: {GatewayFixture.IdList(ids)}, first: 1) {{ totalCount }}"));

        var host = fixture.Host; // its rate limiter is off, so only the budget decides
        var emptyProject = BrowseJobs.Headers(BrowseJobs.NewProject());
        Assert.Equal(["TOO_MANY_JOB_REFERENCES"], (await host.QueryAsync($"{{ {tooMany} }}", GatewayFixture.Token, null, emptyProject)).Codes);
        (await host.QueryAsync($"{{ {enough} }}", GatewayFixture.Token, null, emptyProject)).AssertNoErrors();
        Assert.Equal(["TOO_MANY_JOB_REFERENCES"], (await host.QueryAsync($"{{ {byIds} }}", GatewayFixture.Token)).Codes);

        // Without any argument in the operation, each projectJobs counts its default page (10): 101 of them are 1010.
        var bare = string.Join(" ", Enumerable.Range(0, 101).Select(i => $"p{i}: projectJobs {{ totalCount }}"));
        Assert.Equal(["TOO_MANY_JOB_REFERENCES"], (await host.QueryAsync($"{{ {bare} }}", GatewayFixture.Token, null, emptyProject)).Codes);
        (await host.QueryAsync($"{{ {string.Join(" ", Enumerable.Range(0, 100).Select(i => $"p{i}: projectJobs {{ totalCount }}"))} }}", GatewayFixture.Token, null, emptyProject)).AssertNoErrors();
    }

    [GeneratedRegex("```graphql\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex GraphQLBlock();
}
