using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Protocol;

/// <summary>
/// A body carrying <c>results</c> is per-item answers only on a success or DRS's batch-shaped 400 (no ID of the
/// batch exists). A 401, or a proxy's 503 echoing a success body, is an error whatever it carries.
/// </summary>
public sealed class ErrorStatusWithResultsTests
{
    private const string A = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private static readonly DrsCaller Caller = new("stub-token-1b2c", "054ba152d480d55b2f5dc0069e7ddef0", "en-us");
    private static readonly string SuccessBody = $$"""{"count":1,"results":[{"id":"{{A}}","status":"FULL_TRANSFER_STARTED"}]}""";

    [Theory]
    [InlineData(401, DrsErrorKind.Unauthorized)]
    [InlineData(403, DrsErrorKind.Forbidden)]
    [InlineData(404, DrsErrorKind.Protocol)]
    [InlineData(503, DrsErrorKind.Unavailable)]
    public async Task A_non_success_other_than_the_batch_shaped_400_is_an_error_even_with_results(int status, DrsErrorKind kind)
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, status, SuccessBody));
        await using var host = ClientHost.Create(stub.BaseAddress, new Dictionary<string, string?>
        {
            ["Drs:Resilience:Retry:MaxRetryAttempts"] = "1",
            ["Drs:Resilience:Retry:Delay"] = "00:00:00.010",
        });

        var batch = await host.Client.GetStatusesAsync(Caller, [A]);

        Assert.False(batch[A].IsSuccess);
        Assert.Null(batch[A].Value);
        Assert.Equal(kind, batch[A].Error?.Kind);
        Assert.Equal(status, batch[A].Error?.HttpStatus);
    }

    [Fact]
    public async Task The_batch_shaped_400_still_speaks_for_each_id()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 400,
            $$"""{"count":1,"results":[{"id":"{{A}}","error_code":"DRS.M00289","error_msg":"The job does not exist."}]}"""));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetStatusesAsync(Caller, [A]);

        Assert.Equal(DrsErrorKind.NotFound, batch[A].Error?.Kind);
        Assert.Equal("DRS.M00289", batch[A].Error?.Code);
    }
}
