using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Browsing;

/// <summary>A filter that reads several endpoints fetches them at the same time: one DRS latency, not one per endpoint.</summary>
public sealed class FilterLatencyTests : IAsyncLifetime
{
    private GatewayRig _rig = null!;

    public async Task InitializeAsync() => _rig = await GatewayRig.StartAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task A_filter_on_status_progress_and_name_has_its_three_calls_in_flight_together()
    {
        var ids = await _rig.CreateJobsAsync(2);
        await _rig.ClearUpstreamLogAsync();
        // Slow enough that calls made one after another could never be seen in flight together.
        await _rig.SetFaultsAsync(new { latencyMs = 1500, endpoints = new[] { "status", "progress", "detail" } });

        var query = _rig.QueryAsync($"{{ jobs(ids: [\"{ids[0]}\", \"{ids[1]}\"], where: {{ isFailed: {{ eq: false }}, progressPercent: {{ gte: 0 }}, name: {{ contains: \"\" }} }}) {{ id }} }}");
        var mostInFlight = 0;
        while (!query.IsCompleted)
        {
            // The emulator logs a call when it arrives; its status code stays null until it is answered.
            var calls = await _rig.Host.Emulator!.UpstreamCallsAsync();
            mostInFlight = Math.Max(mostInFlight, calls.Count(c => c.StatusCode is null));
            await Task.Delay(20);
        }

        (await query).AssertNoErrors();
        var endpoints = (await _rig.Host.Emulator!.UpstreamCallsAsync()).Select(c => c.Endpoint).Order();
        Assert.Equal(["detail", "progress", "status"], endpoints);
        Assert.Equal(3, mostInFlight);
    }
}
