using System.Diagnostics;
using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Resilience;

public sealed class TimeoutTests(EmulatorFixture emulator) : EmulatorTest(emulator)
{
    private static readonly Dictionary<string, string?> ShortTimeouts = new()
    {
        ["Drs:Resilience:AttemptTimeout:Timeout"] = "00:00:00.300",
        ["Drs:Resilience:TotalRequestTimeout:Timeout"] = "00:00:01",
        ["Drs:Resilience:CircuitBreaker:SamplingDuration"] = "00:00:05",
        ["Drs:Resilience:Retry:Delay"] = "00:00:00.050",
    };

    [Fact]
    public async Task A_hanging_upstream_is_bounded_by_the_timeouts_and_reported_as_timeout()
    {
        var ids = await ExistingJobIdsAsync(3);
        await Control.SetFaultsAsync(new { hangNext = 50 });
        var client = NewClient(ShortTimeouts);
        var started = Stopwatch.GetTimestamp();

        var batch = await client.GetStatusesAsync(Caller, ids);

        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.All(batch.Results.Values, r =>
        {
            Assert.NotNull(r.Error);
            Assert.Equal(DrsErrorKind.Timeout, r.Error.Kind);
            Assert.Equal(DrsErrorCodes.UpstreamTimeout, r.Error.Code);
            Assert.True(r.Error.IsTransient);
        });
        // Total timeout 1 s; generous bound for a loaded CI machine.
        Assert.True(elapsed < TimeSpan.FromSeconds(6), $"The call took {elapsed.TotalMilliseconds:0} ms.");
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(250), $"The call gave up after only {elapsed.TotalMilliseconds:0} ms.");
        Assert.All(await Control.GetRequestsAsync(), c => Assert.Equal("hang", c.Fault));
    }

    [Fact]
    public async Task One_slow_attempt_is_abandoned_and_the_retry_succeeds()
    {
        var ids = await ExistingJobIdsAsync(2);
        await Control.SetFaultsAsync(new { hangNext = 1 });

        var batch = await NewClient(ShortTimeouts).GetDetailsAsync(Caller, ids);

        Assert.All(ids, id => Assert.True(batch[id].IsSuccess, batch[id].Error?.ToString()));
        Assert.Equal(2, (await Control.GetRequestsAsync()).Count);
    }

    [Fact]
    public async Task The_callers_cancellation_propagates_instead_of_becoming_an_error()
    {
        var ids = await ExistingJobIdsAsync(2);
        await Control.SetFaultsAsync(new { hangNext = 5 });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var client = NewClient();
        var started = Stopwatch.GetTimestamp();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetProgressAsync(Caller, ids, cts.Token));

        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(2.5), "Cancellation should not wait for the 3 s attempt timeout.");
    }

    [Fact]
    public async Task An_already_cancelled_token_throws_before_any_call()
    {
        var ids = await ExistingJobIdsAsync(2);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NewClient().GetStatusesAsync(Caller, ids, cts.Token));

        Assert.Empty(await Control.GetRequestsAsync());
    }
}
