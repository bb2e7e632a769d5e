using System.Collections.Concurrent;
using System.Text;
using DrsGraph.Emulator;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>
/// OTLP export for real: a gateway with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set sends traces, metrics and
/// logs to a local receiver, over gRPC (the default protocol) or HTTP, and the caller's token is in none of them.
/// </summary>
public sealed class OtlpExportTests
{
    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task With_an_OTLP_endpoint_set_traces_metrics_and_logs_reach_the_collector_and_none_carries_the_token(string protocol)
    {
        await using var collector = await OtlpCollector.StartAsync(grpc: protocol == "grpc");
        var token = $"secret-token-{Guid.NewGuid():N}";
        await using var gateway = await GatewayHost.Builder().WithEmulator().WithSettings(new Dictionary<string, string?>
        {
            // The standard variables, read by the OpenTelemetry SDK from configuration as from the environment.
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
            // Every category an operator might turn up: the HTTP client factory's request logging redacted headers only
            // in its text, and its structured state, which the log exporter sends, held the token.
            ["Logging:LogLevel:Default"] = "Trace",
        }).StartAsync();
        var ids = await gateway.Emulator!.CreateJobsAsync(3);

        (await gateway.QueryAsync($"query OtlpProbe {{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status detail {{ name }} }} }}", token)).AssertNoErrors();
        // A failing call too, so error paths (and their log lines) are exported as well.
        Assert.NotEmpty((await gateway.QueryAsync("{ job(id: \"not a job id\") { status } }", token)).Errors);

        Assert.NotNull(gateway.Services.GetService<TracerProvider>());
        await collector.WaitUntilAsync(
            () => collector.Contains("traces", "query OtlpProbe") && collector.Contains("traces", "DrsGraph.DataLoader") && collector.Contains("traces", "DrsGraph.DrsClient")
                && collector.Contains("metrics", "drsgraph.upstream") && collector.Contains("metrics", "drsgraph.cache")
                && collector.Received("logs"),
            "the gateway's traces, metrics and logs");

        Assert.All(collector.Payloads, payload => Assert.False(
            payload.Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(token)) >= 0,
            $"an OTLP {payload.Signal} export holds the caller's token"));
    }

    [Fact]
    public async Task Without_an_OTLP_endpoint_no_span_is_recorded_for_nobody_and_metrics_are_still_scraped()
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().StartAsync();
        var ids = await gateway.Emulator!.CreateJobsAsync(2);

        (await gateway.QueryAsync($"{{ jobs(ids: {GatewayFixture.IdList(ids)}) {{ status }} }}", "token-a")).AssertNoErrors();

        // Nothing would export what a tracer provider recorded: each request built its spans and their tags for nobody.
        Assert.Null(gateway.Services.GetService<TracerProvider>());
        using var scrape = await gateway.Client.GetAsync("/metrics");
        var metrics = await scrape.Content.ReadAsStringAsync();
        Assert.Contains("drsgraph_upstream_calls_total", metrics, StringComparison.Ordinal);
        Assert.Contains("drsgraph_graphql_operation_duration_seconds", metrics, StringComparison.Ordinal);
    }

    /// <summary>
    /// A minimal OTLP receiver: accepts every export (an empty protobuf answer is a valid one) and keeps the
    /// bodies. Over HTTP: POST /v1/{signal}. Over gRPC: cleartext HTTP/2, POST
    /// /opentelemetry.proto.collector.{signal}.v1.{Service}/Export, length-prefixed messages, grpc-status trailer.
    /// </summary>
    internal sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private OtlpCollector(WebApplication app, Uri endpoint)
        {
            _app = app;
            Endpoint = endpoint;
        }

        public Uri Endpoint { get; }

        public ConcurrentQueue<(string Signal, byte[] Body)> Payloads { get; } = new();

        public static async Task<OtlpCollector> StartAsync(bool grpc)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            if (grpc)
            {
                // gRPC without TLS is HTTP/2 with prior knowledge.
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));
            }

            var app = builder.Build();
            OtlpCollector? collector = null;
            app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
            {
                collector!.Payloads.Enqueue((signal, await ReadAllAsync(request)));
                return Results.Bytes([], "application/x-protobuf");
            });
            app.MapPost("/opentelemetry.proto.collector.{signal}.v1.{service}/Export", async (string signal, HttpContext context) =>
            {
                // The trace service's package says "trace" where the HTTP path says "traces".
                collector!.Payloads.Enqueue((signal == "trace" ? "traces" : signal, await ReadAllAsync(context.Request)));
                context.Response.ContentType = "application/grpc";
                // One uncompressed, empty response message: flag 0, length 0.
                await context.Response.Body.WriteAsync(new byte[5]);
                context.Response.AppendTrailer("grpc-status", "0");
            });
            await app.StartAsync();
            collector = new OtlpCollector(app, app.GetBaseAddress());
            return collector;
        }

        private static async Task<byte[]> ReadAllAsync(HttpRequest request)
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            return body.ToArray();
        }

        public bool Received(string signal) => Payloads.Any(p => p.Signal == signal);

        // OTLP protobuf carries names and string values as plain UTF-8.
        public bool Contains(string signal, string text) =>
            Payloads.Any(p => p.Signal == signal && p.Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0);

        public async Task WaitUntilAsync(Func<bool> condition, string what)
        {
            for (var waited = 0; waited < 200; waited++)
            {
                if (condition())
                {
                    return;
                }

                await Task.Delay(50);
            }

            var seen = string.Join(", ", Payloads.GroupBy(p => p.Signal).Select(g => $"{g.Key}: {g.Count()}"));
            throw new TimeoutException($"The collector never received {what} within 10 s (received {seen}).");
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
