using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Resilience;

public sealed class RetryTests(EmulatorFixture emulator) : EmulatorTest(emulator)
{
    [Fact]
    public async Task A_burst_of_two_server_errors_is_retried_to_success()
    {
        var ids = await ExistingJobIdsAsync(4);
        await Control.SetFaultsAsync(new { failNext = 2, failureStatus = 500, failureCode = "DRS.M00004" });

        var batch = await NewClient().GetStatusesAsync(Caller, ids);

        Assert.All(ids, id => Assert.True(batch[id].IsSuccess, batch[id].Error?.ToString()));
        Assert.Equal(1, batch.UpstreamCalls);
        var calls = await Control.GetRequestsAsync();
        Assert.Equal([500, 500, 200], calls.Select(c => c.StatusCode));
        Assert.All(calls, c => Assert.Equal(ids, c.JobIds));
    }

    [Fact]
    public async Task Persistent_server_errors_fail_every_id_as_unavailable_with_the_drs_code_after_three_retries()
    {
        var ids = await ExistingJobIdsAsync(3);
        await Control.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 503, failureCode = "DRS.M00004" });

        var batch = await NewClient().GetDetailsAsync(Caller, ids);

        Assert.All(batch.Results.Values, r =>
        {
            Assert.NotNull(r.Error);
            Assert.Equal(DrsErrorKind.Unavailable, r.Error.Kind);
            Assert.Equal("DRS.M00004", r.Error.Code);
            Assert.Equal(503, r.Error.HttpStatus);
            Assert.False(string.IsNullOrEmpty(r.Error.RequestId));
            Assert.True(r.Error.IsTransient);
        });
        Assert.Equal(4, (await Control.GetRequestsAsync()).Count);
    }

    [Fact]
    public async Task Throttling_that_outlasts_the_retries_fails_as_throttled()
    {
        var ids = await ExistingJobIdsAsync(1);
        await Control.SetFaultsAsync(new { throttleRate = 1.0, retryAfterSeconds = 0 });
        var client = NewClient(new Dictionary<string, string?> { ["Drs:Resilience:Retry:MaxRetryAttempts"] = "1" });

        var batch = await client.GetStatusesAsync(Caller, ids);

        var error = batch[ids[0]].Error;
        Assert.NotNull(error);
        Assert.Equal(DrsErrorKind.Throttled, error.Kind);
        Assert.Equal("APIGW.0308", error.Code);
        Assert.Equal(429, error.HttpStatus);
        Assert.Equal(2, (await Control.GetRequestsAsync()).Count);
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_max_delay_is_not_waited_for_and_fails_as_throttled()
    {
        var ids = await ExistingJobIdsAsync(1);
        await Control.SetFaultsAsync(new { throttleNext = 1, retryAfterSeconds = 30 });
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        var batch = await NewClient().GetStatusesAsync(Caller, ids);

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Assert.Equal(DrsErrorKind.Throttled, batch[ids[0]].Error?.Kind);
        Assert.Equal("APIGW.0308", batch[ids[0]].Error?.Code);
        Assert.Single(await Control.GetRequestsAsync());
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"The call took {elapsed.TotalMilliseconds:0} ms.");
    }

    [Fact]
    public async Task A_chunk_that_keeps_failing_fails_only_its_own_ids()
    {
        var ids = await ExistingJobIdsAsync(6);
        // Four failures exhaust the first chunk's attempts (1 + 3 retries); the next chunks meet none.
        await Control.SetFaultsAsync(new { failNext = 4, failureStatus = 500, failureCode = "DRS.M00004" });
        var client = NewClient(new Dictionary<string, string?>
        {
            ["Drs:ChunkSize"] = "2",
            ["Drs:MaxConcurrentChunks"] = "1",
            ["Drs:Resilience:Retry:Delay"] = "00:00:00.010",
        });

        var batch = await client.GetStatusesAsync(Caller, ids);

        var calls = await Control.GetRequestsAsync();
        var failedIds = calls.Where(c => c.StatusCode == 500).SelectMany(c => c.JobIds!).Distinct().ToList();
        Assert.Equal(2, failedIds.Count);
        Assert.All(ids, id =>
        {
            if (failedIds.Contains(id))
            {
                Assert.Equal("DRS.M00004", batch[id].Error?.Code);
            }
            else
            {
                Assert.True(batch[id].IsSuccess, batch[id].Error?.ToString());
            }
        });
        Assert.Equal(6, calls.Count);
    }

    [Fact]
    public async Task Faults_on_one_endpoint_leave_the_others_alone()
    {
        var ids = await ExistingJobIdsAsync(2);
        await Control.SetFaultsAsync(new { failureRate = 1.0, endpoints = new[] { "detail" } });
        var client = NewClient(new Dictionary<string, string?> { ["Drs:Resilience:Retry:MaxRetryAttempts"] = "1" });

        var statuses = await client.GetStatusesAsync(Caller, ids);
        var details = await client.GetDetailsAsync(Caller, ids);

        Assert.All(statuses.Results.Values, r => Assert.True(r.IsSuccess));
        Assert.All(details.Results.Values, r => Assert.Equal(DrsErrorKind.Unavailable, r.Error?.Kind));
    }

    [Fact]
    public async Task A_circuit_opened_by_repeated_failures_fails_fast_as_circuit_open()
    {
        var ids = await ExistingJobIdsAsync(1);
        await Control.SetFaultsAsync(new { failureRate = 1.0 });
        var client = NewClient(new Dictionary<string, string?>
        {
            ["Drs:Resilience:Retry:MaxRetryAttempts"] = "1",
            ["Drs:Resilience:Retry:Delay"] = "00:00:00.010",
            ["Drs:Resilience:CircuitBreaker:MinimumThroughput"] = "2",
        });

        DrsError? last = null;
        for (var i = 0; i < 4 && last?.Code != DrsErrorCodes.CircuitOpen; i++)
        {
            last = (await client.GetStatusesAsync(Caller, ids))[ids[0]].Error;
        }

        Assert.NotNull(last);
        Assert.Equal(DrsErrorCodes.CircuitOpen, last.Code);
        Assert.Equal(DrsErrorKind.Unavailable, last.Kind);
    }

    [Fact]
    public async Task A_refused_connection_fails_every_id_as_upstream_unavailable()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var host = ClientHost.Create(new Uri($"http://127.0.0.1:{port}"), new Dictionary<string, string?>
        {
            ["Drs:Resilience:Retry:Delay"] = "00:00:00.010",
        });

        var batch = await host.Client.GetStatusesAsync(Caller, ["9a470239-2308-4bb5-a6bc-1040402fjb21"]);

        var error = Assert.Single(batch.Results).Value.Error;
        Assert.NotNull(error);
        Assert.Equal(DrsErrorKind.Unavailable, error.Kind);
        Assert.Equal(DrsErrorCodes.UpstreamUnavailable, error.Code);
    }
}
