using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Hosting;

/// <summary>What a newcomer gets from <c>dotnet run --project src/DrsGraph.Gateway</c>: no upstream configured.</summary>
public sealed class EmbeddedModeTests
{
    [Fact]
    public async Task Without_an_upstream_the_readme_query_works_with_no_token()
    {
        await using var gateway = GatewayHost.Builder().Start();

        var answer = await gateway.QueryAsync(
            """
            { jobs(ids: ["9a470239-2308-4bb5-a6bc-1040402fjb21", "dc67695a-ee3e-49b8-a022-a099bd81jb21"]) {
                id status phase progress { percent incrementalDelaySeconds } detail { name source { dbType } } } }
            """,
            token: null);

        var body = answer.Body;
        Assert.Null(body["errors"]);
        var jobs = body["data"]!["jobs"]!.AsArray();
        Assert.Equal("9a470239-2308-4bb5-a6bc-1040402fjb21", jobs[0]!["id"]!.GetValue<string>());
        Assert.NotNull(jobs[0]!["status"]);
        Assert.NotNull(jobs[1]!["detail"]!["source"]!["dbType"]);
    }
}
