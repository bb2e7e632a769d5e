using System.Collections.Concurrent;
using System.Diagnostics;
using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>
/// The caller's trace continues into DRS whether or not the gateway exports spans. Not in the operations group: its own
/// gateway, disposed there, would end the request-duration series that group's shared replicas count.
/// </summary>
public sealed class TracePropagationTests
{
    [Fact]
    public async Task A_callers_traceparent_reaches_DRS_on_every_batch_call_even_with_no_trace_exporter()
    {
        // No OTLP endpoint (the tests' default): the gateway records no spans of its own, but DRS's logs must still be
        // joinable to the caller's trace.
        var seen = new ConcurrentQueue<string>();
        await using var drs = await StubUpstream.StartAsync((context, call) =>
        {
            seen.Enqueue(context.Request.Headers.TraceParent.ToString());
            return StubUpstream.HealthyAsync(context, call);
        });
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress);
        var traceId = ActivityTraceId.CreateRandom();

        // The caller's trace: the test's HttpClient sends it as traceparent (as the other tracing test does).
        using (new Activity("test caller").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        {
            (await rig.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status progress { percent } detail { name } } }")).AssertNoErrors();
        }

        Assert.Equal(3, seen.Count);
        Assert.All(seen, header => Assert.StartsWith($"00-{traceId}-", header, StringComparison.Ordinal));
    }

    /// <remarks>
    /// The runtime's propagator sent the incoming request's baggage on to DRS: a caller's free text reached the upstream,
    /// on calls made with the gateway's own credentials too.
    /// </remarks>
    /// <remarks>With spans exported, the OpenTelemetry SDK's default propagator (trace context and baggage) sent it again.</remarks>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_callers_baggage_does_not_reach_DRS_while_its_trace_does(bool exportingSpans)
    {
        var seen = new ConcurrentQueue<(string TraceParent, string Baggage)>();
        await using var drs = await StubUpstream.StartAsync((context, call) =>
        {
            seen.Enqueue((context.Request.Headers.TraceParent.ToString(), context.Request.Headers.Baggage.ToString()));
            return StubUpstream.HealthyAsync(context, call);
        });
        await using var collector = exportingSpans ? await OtlpExportTests.OtlpCollector.StartAsync(grpc: false) : null;
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, collector is null ? null : new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent("""{"query":"{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        request.Headers.TryAddWithoutValidation("baggage", "token=BAGGAGESECRET,user=someone");

        (await rig.SendAsync(request)).AssertNoErrors();

        var (traceParent, baggage) = Assert.Single(seen);
        Assert.StartsWith($"00-{traceId}-", traceParent, StringComparison.Ordinal);
        Assert.Equal("", baggage);
    }
}
