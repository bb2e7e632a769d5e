using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Jobs;

/// <summary>DRS's gaussdbv5 and gaussdbv5ha are GAUSSDBV5 and GAUSSDBV5HA in GraphQL, not the auto-cased GAUSSDBV_5(_HA).</summary>
public sealed class DatabaseTypeNameTests
{
    private const string Id = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    [Fact]
    public async Task Gaussdb_engines_keep_drs_spelling_in_output_and_filters()
    {
        await using var drs = await StubUpstream.StartAsync((context, call) => StubUpstream.WriteJsonAsync(context, 200, call.Operation == "batch-detail"
            ? $$$"""{"count":1,"results":[{"id":"{{{Id}}}","name":"g","status":"INCRE_TRANSFER_STARTED","source_endpoint":{"db_type":"gaussdbv5"},"target_endpoint":{"db_type":"gaussdbv5ha"}}]}"""
            : StubUpstream.HealthyBody(call)));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress);

        var answer = (await rig.QueryAsync($$"""
            {
              jobs(ids: ["{{Id}}"], where: { dbType: { eq: GAUSSDBV5 } }) { detail { source { dbType } target { dbType } } }
              none: jobs(ids: ["{{Id}}"], where: { dbType: { eq: GAUSSDBV5HA } }) { id }
            }
            """)).AssertNoErrors();

        var detail = Assert.Single(answer.Data!["jobs"]!.AsArray())!["detail"]!;
        Assert.Equal("GAUSSDBV5", detail["source"]!["dbType"]!.GetValue<string>());
        Assert.Equal("GAUSSDBV5HA", detail["target"]!["dbType"]!.GetValue<string>());
        Assert.Empty(answer.Data["none"]!.AsArray());
    }
}
