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

    [Theory]
    [InlineData("100")]
    [InlineData("Wed, 01 Jan 2098 00:00:00 GMT")]
    public async Task A_503_asking_to_come_back_later_than_the_budget_fails_unavailable_at_once_with_drs_code(string retryAfter)
    {
        await using var stub = await StubDrs.StartAsync((_, context) =>
        {
            context.Response.Headers.RetryAfter = retryAfter;
            return StubDrs.WriteAsync(context, 503, """{"error_code":"DRS.M00004","error_msg":"Service maintenance."}""");
        });
        await using var host = ClientHost.Create(stub.BaseAddress);
        var started = Stopwatch.GetTimestamp();

        var batch = await host.Client.GetStatusesAsync(new DrsCaller("stub-token-1b2c", EmulatorFixture.DemoProject), [A]);

        // DRS's own answer, not a timeout after waiting out the 8 s budget for a retry that could not come.
        Assert.Equal(DrsErrorKind.Unavailable, batch[A].Error?.Kind);
        Assert.Equal("DRS.M00004", batch[A].Error?.Code);
        Assert.Single(stub.Requests);
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.Zero, TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_503_with_a_short_retry_after_is_retried_after_it()
    {
        var calls = 0;
        await using var stub = await StubDrs.StartAsync((_, context) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.Headers.RetryAfter = "1";
                return StubDrs.WriteAsync(context, 503, """{"error_code":"DRS.M00004","error_msg":"Service maintenance."}""");
            }

            return StubDrs.WriteAsync(context, 200, $$"""{"count":1,"results":[{"id":"{{A}}","status":"CONFIGURATION"}]}""");
        });
        await using var host = ClientHost.Create(stub.BaseAddress);
        var started = Stopwatch.GetTimestamp();

        var batch = await host.Client.GetStatusesAsync(new DrsCaller("stub-token-1b2c", EmulatorFixture.DemoProject), [A]);

        Assert.Null(batch[A].Error);
        Assert.Equal(2, stub.Requests.Count);
        // It waited the second DRS asked for (the backoff alone starts at 200 ms).
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromSeconds(0.9));
    }
}
