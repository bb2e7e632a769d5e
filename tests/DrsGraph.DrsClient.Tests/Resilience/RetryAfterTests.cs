using System.Diagnostics;
using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Resilience;

/// <summary>
/// Runs its own emulator on the system clock: the request log stamps <c>receivedAt</c> with the
/// emulator's TimeProvider, so under the shared fixture's frozen FakeTimeProvider every call would
/// carry the same timestamp and the gap Retry-After creates would be invisible.
/// </summary>
public sealed class RetryAfterTests
{
    [Fact]
    public async Task A_429_is_retried_after_the_retry_after_delay_and_then_succeeds()
    {
        var (app, baseAddress) = await EmulatorFixture.StartAsync(TimeProvider.System);
        await using var _ = app;
        using var control = new EmulatorControl(baseAddress);
        var ids = (await control.ListJobsAsync()).Where(j => !j.Deleted).Select(j => j.Id).Take(2).ToList();
        await control.SetFaultsAsync(new { throttleNext = 1, retryAfterSeconds = 1 });
        await using var host = ClientHost.Create(baseAddress);
        var started = Stopwatch.GetTimestamp();

        var batch = await host.Client.GetProgressAsync(new DrsCaller(EmulatorFixture.DemoToken, EmulatorFixture.DemoProject), ids);

        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.Equal(2, ids.Count);
        Assert.All(ids, id => Assert.True(batch[id].IsSuccess, batch[id].Error?.ToString()));
        var calls = await control.GetRequestsAsync();
        Assert.Equal(2, calls.Count);
        Assert.Equal(429, calls[0].StatusCode);
        Assert.Equal("throttle", calls[0].Fault);
        Assert.True(calls[1].StatusCode is 200 or 202);
        // The default backoff starts at 200 ms, so a gap near 1 s can only come from Retry-After.
        var gap = calls[1].ReceivedAt - calls[0].ReceivedAt;
        Assert.True(gap >= TimeSpan.FromMilliseconds(950), $"The emulator saw the retry {gap.TotalMilliseconds:0} ms after the 429.");
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"The call took {elapsed.TotalMilliseconds:0} ms.");
    }
}
