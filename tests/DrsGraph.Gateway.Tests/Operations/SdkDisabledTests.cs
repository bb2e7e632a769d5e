using System.Net;
using DrsGraph.Gateway.Observability;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>
/// OTEL_SDK_DISABLED=true with an OTLP endpoint set logged "OTLP export to ..." though nothing was exported, and /metrics
/// answered an empty 200: a scraper saw a healthy target with no series.
/// </summary>
public sealed class SdkDisabledTests
{
    [Fact]
    public async Task With_the_sdk_disabled_metrics_answer_503_and_the_start_says_so_once()
    {
        await using var gateway = GatewayHost.Builder()
            .WithSetting(ObservabilityExtensions.SdkDisabledKey, "true")
            .WithSetting(ObservabilityExtensions.OtlpEndpointKey, $"http://127.0.0.1:{Loopback.UnusedPort()}")
            .CaptureLogs()
            .Start();

        using var metrics = await gateway.Client.GetAsync(new Uri(ObservabilityExtensions.MetricsPath, UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, metrics.StatusCode);
        Assert.Contains("OTEL_SDK_DISABLED", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, gateway.Logs.Count("OpenTelemetry is disabled (OTEL_SDK_DISABLED=true)"));
        Assert.Equal(0, gateway.Logs.Count("OTLP export to"));
    }
}
