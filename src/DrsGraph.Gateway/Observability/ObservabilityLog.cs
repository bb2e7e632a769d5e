namespace DrsGraph.Gateway.Observability;

internal static partial class ObservabilityLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "GraphQL {OperationType} {OperationName} answered with errors: {ErrorCount} ({ErrorCodes}); DRS request ids: {DrsRequestIds} ({Unlogged} more operations with errors not logged since the last such line: ten a second at most)")]
    public static partial void OperationErrors(ILogger logger, string operationType, string operationName, int errorCount, string errorCodes, string drsRequestIds, long unlogged);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "OpenTelemetry: OTLP export to {OtlpEndpoint}; Prometheus scrape at {MetricsPath}.")]
    public static partial void OtlpEnabled(ILogger logger, string otlpEndpoint, string metricsPath);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "OpenTelemetry is disabled (OTEL_SDK_DISABLED=true): nothing is exported, and {MetricsPath} answers 503.")]
    public static partial void SdkDisabled(ILogger logger, string metricsPath);
}
