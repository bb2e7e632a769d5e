using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Jobs;

/// <summary>A failed job's message reaches GraphQL whichever of <c>error_message</c> and <c>error_msg</c> DRS used for it.</summary>
public sealed class ItemErrorSpellingTests
{
    private const string Id = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    [Fact]
    public async Task A_failed_jobs_message_is_read_under_the_other_spelling_on_every_call()
    {
        await using var drs = await StubUpstream.StartAsync((context, call) => StubUpstream.WriteJsonAsync(context, 200, call.Operation switch
        {
            "batch-progress" => $$"""{"count":1,"results":[{"job_id":"{{Id}}","progress":"40","transfer_status":"FULL_TRANSFER_FAILED","error_code":"DRS.M03055","error_message":"Disk full (progress)."}]}""",
            "batch-detail" => $$"""{"count":1,"results":[{"id":"{{Id}}","name":"n","status":"FULL_TRANSFER_FAILED","error_code":"DRS.M03055","error_msg":"Disk full (detail)."}]}""",
            _ => $$"""{"count":1,"results":[{"id":"{{Id}}","status":"FULL_TRANSFER_FAILED","error_code":"DRS.M03055","error_msg":"Disk full (status)."}]}""",
        }));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress);

        var answer = (await rig.QueryAsync($$"""{ job(id: "{{Id}}") { errorMessage progress { errorMessage } detail { errorMessage } } }""")).AssertNoErrors();

        var job = answer.Data!["job"]!;
        Assert.Equal("Disk full (status).", job["errorMessage"]!.GetValue<string>());
        Assert.Equal("Disk full (progress).", job["progress"]!["errorMessage"]!.GetValue<string>());
        Assert.Equal("Disk full (detail).", job["detail"]!["errorMessage"]!.GetValue<string>());
    }
}
