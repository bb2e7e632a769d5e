using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Resilience;

/// <summary>The circuit breaker opens on DRS failing, not on one caller's throttling, and lets a whole batch through after the break.</summary>
public sealed class CircuitTests
{
    private static readonly string[] Ids =
    [
        "9a470239-2308-4bb5-a6bc-1040402fjb21", "dc67695a-ee3e-49b8-a022-a099bd81jb21",
        "24834eb6-be30-464e-a299-f7aa730jb101", "0b4bd2ab-8d2c-4c0c-9e2a-3c1a4c9bjb21",
    ];

    private static readonly Dictionary<string, string?> QuickBreaker = new()
    {
        ["Drs:Resilience:Retry:MaxRetryAttempts"] = "1",
        ["Drs:Resilience:Retry:Delay"] = "00:00:00.010",
        ["Drs:Resilience:Retry:ShouldRetryAfterHeader"] = "false",
        ["Drs:Resilience:CircuitBreaker:MinimumThroughput"] = "2",
        ["Drs:Resilience:CircuitBreaker:FailureRatio"] = "0.5",
        ["Drs:Resilience:CircuitBreaker:BreakDuration"] = "00:00:01",
        // One ID per call: a batch of four is four concurrent calls of the same endpoint.
        ["Drs:ChunkSize"] = "1",
    };

    [Fact]
    public async Task Throttling_never_opens_the_circuit_for_other_callers()
    {
        await using var stub = await StubDrs.StartAsync((request, context) => request.Headers["X-Auth-Token"] == "throttled-token"
            ? StubDrs.WriteAsync(context, 429, """{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached."}""")
            : StubDrs.WriteAsync(context, 200, StatusBody(request.Body)));
        await using var host = ClientHost.Create(stub.BaseAddress, QuickBreaker);

        for (var i = 0; i < 5; i++)
        {
            var throttled = await host.Client.GetStatusesAsync(new DrsCaller("throttled-token", EmulatorFixture.DemoProject), Ids);
            Assert.All(throttled.Results.Values, r => Assert.Equal(DrsErrorKind.Throttled, r.Error?.Kind));
        }

        var other = await host.Client.GetStatusesAsync(new DrsCaller("other-token", EmulatorFixture.DemoProject), Ids);
        Assert.All(other.Results.Values, r => Assert.True(r.IsSuccess, r.Error?.ToString()));
    }

    [Fact]
    public async Task After_the_break_every_concurrent_call_of_a_batch_waits_for_the_probe_instead_of_failing()
    {
        var healthy = false;
        await using var stub = await StubDrs.StartAsync((request, context) => Volatile.Read(ref healthy)
            ? StubDrs.WriteAsync(context, 200, StatusBody(request.Body))
            : StubDrs.WriteAsync(context, 500, """{"error_code":"DRS.M00004","error_msg":"Service abnormal."}"""));
        await using var host = ClientHost.Create(stub.BaseAddress, QuickBreaker);

        var open = false;
        for (var i = 0; i < 10 && !open; i++)
        {
            var failing = await host.Client.GetStatusesAsync(EmulatorFixture.DemoCaller, Ids[..1]);
            open = failing[Ids[0]].Error?.Code == DrsErrorCodes.CircuitOpen;
        }

        Assert.True(open, "the circuit never opened");
        Volatile.Write(ref healthy, true);
        await Task.Delay(TimeSpan.FromSeconds(1.3));

        var batch = await host.Client.GetStatusesAsync(EmulatorFixture.DemoCaller, Ids);

        Assert.Equal(4, batch.UpstreamCalls);
        Assert.All(batch.Results.Values, r => Assert.True(r.IsSuccess, r.Error?.ToString()));
        Assert.DoesNotContain(host.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning && e.Exception is not null);
    }

    private static string StatusBody(string requestBody)
    {
        using var request = System.Text.Json.JsonDocument.Parse(requestBody);
        var items = request.RootElement.GetProperty("jobs").EnumerateArray().Select(id => $$"""{"id":"{{id.GetString()}}","status":"CONFIGURATION"}""");
        return $$"""{"count":{{request.RootElement.GetProperty("jobs").GetArrayLength()}},"results":[{{string.Join(",", items)}}]}""";
    }
}
