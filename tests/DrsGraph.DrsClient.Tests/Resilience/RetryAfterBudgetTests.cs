using System.Diagnostics;
using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Resilience;

/// <summary>A Retry-After that cannot be honoured within the call's total timeout is not waited for.</summary>
public sealed class RetryAfterBudgetTests
{
    private const string A = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    [Fact]
    public async Task A_retry_after_longer_than_what_is_left_of_the_total_timeout_fails_throttled_at_once()
    {
        await using var stub = await StubDrs.StartAsync((_, context) =>
        {
            context.Response.Headers.RetryAfter = "3";
            return StubDrs.WriteAsync(context, 429, """{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached."}""");
        });
        // Retry-After (3 s) is within MaxDelay (4 s) but not within the 2 s total timeout.
        await using var host = ClientHost.Create(stub.BaseAddress, new Dictionary<string, string?>
        {
            ["Drs:Resilience:AttemptTimeout:Timeout"] = "00:00:01",
            ["Drs:Resilience:TotalRequestTimeout:Timeout"] = "00:00:02",
        });
        var started = Stopwatch.GetTimestamp();

        var batch = await host.Client.GetStatusesAsync(new DrsCaller("stub-token-1b2c", EmulatorFixture.DemoProject), [A]);

        Assert.Equal(DrsErrorKind.Throttled, batch[A].Error?.Kind);
        Assert.Equal("APIGW.0308", batch[A].Error?.Code);
        Assert.Single(stub.Requests);
        // Well under the 3 s it asked for (and the 2 s total): it was not waited for.
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.Zero, TimeSpan.FromSeconds(1.8));
    }

    [Theory]
    [InlineData("2147483648")]
    [InlineData("99999999999999999999999")]
    public async Task A_retry_after_past_the_int_range_fails_throttled_at_once(string retryAfter)
    {
        await using var stub = await StubDrs.StartAsync((_, context) =>
        {
            context.Response.Headers.RetryAfter = retryAfter;
            return StubDrs.WriteAsync(context, 429, """{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached."}""");
        });
        await using var host = ClientHost.Create(stub.BaseAddress, new Dictionary<string, string?>
        {
            ["Drs:Resilience:Retry:Delay"] = "00:00:00.010",
        });

        var batch = await host.Client.GetStatusesAsync(new DrsCaller("stub-token-1b2c", EmulatorFixture.DemoProject), [A]);

        Assert.Equal(DrsErrorKind.Throttled, batch[A].Error?.Kind);
        Assert.Equal("APIGW.0308", batch[A].Error?.Code);
        // Not retried: DRS asked for far longer than any budget.
        Assert.Single(stub.Requests);
    }
}
