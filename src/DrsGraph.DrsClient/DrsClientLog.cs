using Microsoft.Extensions.Logging;

namespace DrsGraph.DrsClient;

/// <summary>Source-generated logs of <see cref="DrsClient"/>. None of them takes the caller's token.</summary>
internal static partial class DrsClientLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
        Message = "DRS {Endpoint} for project {ProjectId}: {IdCount} IDs, HTTP {StatusCode}, request {RequestId}, {ElapsedMs:0} ms")]
    public static partial void CallCompleted(ILogger logger, string endpoint, string projectId, int idCount, int? statusCode, string? requestId, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "DRS {Endpoint} for project {ProjectId} failed for {IdCount} IDs: {ErrorKind} {ErrorCode} (HTTP {StatusCode}, request {RequestId}) after {ElapsedMs:0} ms")]
    public static partial void CallFailed(ILogger logger, string endpoint, string projectId, int idCount, DrsErrorKind errorKind, string errorCode, int? statusCode, string? requestId, double elapsedMs, Exception? exception);
}
