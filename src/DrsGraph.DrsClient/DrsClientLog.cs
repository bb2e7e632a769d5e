using Microsoft.Extensions.Logging;

namespace DrsGraph.DrsClient;

/// <summary>
/// Source-generated logs of <see cref="DrsClient"/>. None of them takes the caller's token. A handled
/// fault is one line: its cause as exception type and message, never a stack trace (stack traces are
/// for bugs, and a connection reset once logged 327 lines for one GraphQL request).
/// </summary>
internal static partial class DrsClientLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
        Message = "DRS {Endpoint} for project {ProjectId}: {IdCount} IDs, HTTP {StatusCode}, request {RequestId}, {ElapsedMs:0} ms")]
    public static partial void CallCompleted(ILogger logger, string endpoint, string projectId, int idCount, int? statusCode, string? requestId, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "DRS {Endpoint} for project {ProjectId} in region {Region} failed for {IdCount} IDs: {ErrorKind} {ErrorCode} (HTTP {StatusCode}, request {RequestId}) after {Attempts} attempt(s), {ElapsedMs:0} ms; cause: {Cause}")]
    public static partial void CallFailed(ILogger logger, string endpoint, string projectId, string region, int idCount, DrsErrorKind errorKind, string errorCode, int? statusCode, string? requestId, int attempts, double elapsedMs, string cause);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug,
        Message = "DRS {Endpoint} for project {ProjectId} in region {Region} was not called for {IdCount} IDs: its circuit is open; cause: {Cause}")]
    public static partial void CallRefusedByCircuit(ILogger logger, string endpoint, string projectId, string region, int idCount, string cause);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning,
        Message = "DRS {Endpoint} for project {ProjectId} in region {Region} answered (HTTP {StatusCode}, request {RequestId}) but left {Missing} of its {IdCount} IDs out; they fail as " + DrsErrorCodes.MissingFromResponse)]
    public static partial void JobsLeftOut(ILogger logger, string endpoint, string projectId, string region, int missing, int idCount, int? statusCode, string? requestId);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning,
        Message = "DRS {Endpoint} for project {ProjectId} in region {Region} answered (HTTP {StatusCode}, request {RequestId}) {Unreadable} of its {IdCount} IDs with items this client cannot read; they fail as " + DrsErrorCodes.UnreadableResponse + "; first: {First}")]
    public static partial void ItemsUnreadable(ILogger logger, string endpoint, string projectId, string region, int unreadable, int idCount, int? statusCode, string? requestId, string first);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
        Message = "DRS refused the gateway's IAM token for project {ProjectId} in region {Region} ({Identity}): asking IAM for another and calling once more")]
    public static partial void HeldTokenRefused(ILogger logger, string projectId, string region, string identity);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "DRS {Endpoint} attempt {Attempt} at {Host} failed: {Outcome} (HTTP {StatusCode}, request {RequestId}) after {ElapsedMs:0} ms; retrying in {DelayMs:0} ms")]
    public static partial void AttemptFailed(ILogger logger, string endpoint, int attempt, string host, string outcome, int? statusCode, string? requestId, double elapsedMs, double delayMs);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "DRS list for project {ProjectId} in region {Region} failed: {Walks} walks over its pages in a row did not add up (jobs changing status between pages), {Calls} calls")]
    public static partial void ListInconsistent(ILogger logger, string projectId, string region, int walks, int calls);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "DRS list for project {ProjectId} in region {Region} failed at page {Page} ({PerPage} per page): {ErrorKind} {ErrorCode} (HTTP {StatusCode}, request {RequestId}) after {Attempts} attempt(s), {ElapsedMs:0} ms; cause: {Cause}")]
    public static partial void ListPageFailed(ILogger logger, string projectId, string region, int page, int perPage, DrsErrorKind errorKind, string errorCode, int? statusCode, string? requestId, int attempts, double elapsedMs, string cause);

    /// <summary>An exception as one line: its type and message, and those of its inner exception (the socket error under an HttpRequestException).</summary>
    public static string Describe(Exception? exception) => exception switch
    {
        null => "-",
        { InnerException: { } inner } => $"{exception.GetType().Name}: {exception.Message} ({inner.GetType().Name}: {inner.Message})",
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };
}
