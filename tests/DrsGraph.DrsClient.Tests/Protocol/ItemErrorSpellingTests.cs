using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Protocol;

/// <summary>
/// A per-item error message is read under both spellings, <c>error_message</c> and <c>error_msg</c>, as plain error
/// bodies are: each call documents one, and DRS's own pages mix them up. The documented one wins when both are there.
/// </summary>
public sealed class ItemErrorSpellingTests
{
    private const string A = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private const string B = "dc67695a-ee3e-49b8-a022-a099bd81jb21";
    private static readonly DrsCaller Caller = new("stub-token-1b2c", "054ba152d480d55b2f5dc0069e7ddef0", "en-us");

    [Fact]
    public async Task Each_call_reads_the_other_spelling_and_prefers_its_own()
    {
        await using var stub = await StubDrs.StartAsync((request, ctx) => StubDrs.WriteAsync(ctx, 200, request.Operation switch
        {
            "batch-progress" => $$$"""
                {"count":2,"results":[
                  {"job_id":"{{{A}}}","error_code":"DRS.M05003","error_message":"progress: other spelling"},
                  {"job_id":"{{{B}}}","error_code":"DRS.M05003","error_msg":"progress: documented","error_message":"progress: other"}]}
                """,
            _ => $$$"""
                {"count":2,"results":[
                  {"id":"{{{A}}}","error_code":"DRS.M05003","error_msg":"{{{request.Operation}}}: other spelling"},
                  {"id":"{{{B}}}","error_code":"DRS.M05003","error_message":"{{{request.Operation}}}: documented","error_msg":"{{{request.Operation}}}: other"}]}
                """,
        }));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var status = await host.Client.GetStatusesAsync(Caller, [A, B]);
        var progress = await host.Client.GetProgressAsync(Caller, [A, B]);
        var detail = await host.Client.GetDetailsAsync(Caller, [A, B]);

        Assert.Equal("batch-status: other spelling", status[A].Error?.Message);
        Assert.Equal("batch-status: documented", status[B].Error?.Message);
        Assert.Equal("progress: other spelling", progress[A].Error?.Message);
        Assert.Equal("progress: documented", progress[B].Error?.Message);
        Assert.Equal("batch-detail: other spelling", detail[A].Error?.Message);
        Assert.Equal("batch-detail: documented", detail[B].Error?.Message);
    }
}
