namespace DrsGraph.DrsClient;

/// <summary>What went wrong, in terms a caller can act on.</summary>
public enum DrsErrorKind
{
    /// <summary>The ID is not a DRS job ID; it was never sent upstream.</summary>
    InvalidJobId,
    /// <summary>DRS.M00289 / DRS.M05003: no such job.</summary>
    NotFound,
    /// <summary>DRS.M05004: the job was deleted or released.</summary>
    Deleted,
    /// <summary>Any other per-item error code.</summary>
    ItemError,
    /// <summary>A 400 for the whole batch that no per-item answer explains.</summary>
    BadRequest,
    /// <summary>401 (APIGW.0301): token missing, expired or undecryptable.</summary>
    Unauthorized,
    /// <summary>403: invalid token, insufficient permissions or a project the token may not use.</summary>
    Forbidden,
    /// <summary>429 (APIGW.0308) or DRS.M01503, still throttled after the retries.</summary>
    Throttled,
    /// <summary>5xx, connection failure, or an open circuit breaker.</summary>
    Unavailable,
    /// <summary>The per-attempt or total timeout elapsed.</summary>
    Timeout,
    /// <summary>DRS answered something this client cannot read, or left an ID unanswered.</summary>
    Protocol,
}

/// <summary>A typed DRS error, for one ID or for every ID of a failed chunk.</summary>
/// <param name="Code">The DRS code (<c>DRS.M00289</c>, <c>APIGW.0308</c>) or one of <see cref="DrsErrorCodes"/>.</param>
/// <param name="Message">Human-readable text from DRS (<c>error_msg</c> or <c>error_message</c>) or ours.</param>
/// <param name="Kind">The category the gateway maps to GraphQL error codes.</param>
/// <param name="HttpStatus">HTTP status of the answer that carried the error, when there was one.</param>
/// <param name="RequestId">DRS request id (<c>X-Request-Id</c> or <c>request_id</c>), for support tickets.</param>
public sealed record DrsError(string Code, string Message, DrsErrorKind Kind, int? HttpStatus = null, string? RequestId = null)
{
    // DRS's own text, printable and bounded wherever it came from (log lines and callers' error codes carry it).
    public string Code { get; init; } = PrintableText.Printable(Code, PrintableText.MaxTokenLength);

    public string Message { get; init; } = PrintableText.Printable(Message, PrintableText.MaxMessageLength);

    public string? RequestId { get; init; } = PrintableText.PrintableOrNull(RequestId, PrintableText.MaxTokenLength);

    /// <summary>True when asking again later may succeed; such errors are never cached.</summary>
    public bool IsTransient => Kind is DrsErrorKind.Unavailable or DrsErrorKind.Timeout or DrsErrorKind.Throttled or DrsErrorKind.Protocol;

    /// <summary>
    /// True for an outage (5xx, timeout, throttling, open circuit): a cache may answer with its last value, marked stale.
    /// Not for a protocol error, transient as it may be: a redirect or a 200 HTML page is what an auth proxy answers a
    /// revoked token with, and must not be papered over with data for minutes.
    /// </summary>
    public bool IsOutage => Kind is DrsErrorKind.Unavailable or DrsErrorKind.Timeout or DrsErrorKind.Throttled;
}

/// <summary>Codes of errors the client raises itself (DRS's own codes are passed through unchanged).</summary>
public static class DrsErrorCodes
{
    public const string InvalidJobId = "DRSGRAPH.INVALID_JOB_ID";
    public const string UpstreamUnavailable = "DRSGRAPH.UPSTREAM_UNAVAILABLE";
    public const string UpstreamTimeout = "DRSGRAPH.UPSTREAM_TIMEOUT";
    public const string UpstreamThrottled = "DRSGRAPH.UPSTREAM_THROTTLED";
    public const string CircuitOpen = "DRSGRAPH.CIRCUIT_OPEN";
    public const string MissingFromResponse = "DRSGRAPH.MISSING_FROM_RESPONSE";
    public const string UnreadableResponse = "DRSGRAPH.UNREADABLE_RESPONSE";
    public const string Redirected = "DRSGRAPH.UPSTREAM_REDIRECT";
    public const string ResponseTooLarge = "DRSGRAPH.RESPONSE_TOO_LARGE";

    /// <summary>IAM did not issue the gateway's own token for a reason other than refusing its credential (down, a 404, no token in a 2xx).</summary>
    public const string IamUnavailable = "DRSGRAPH.IAM_UNAVAILABLE";

    /// <summary>A walk over every page of the list never added up (jobs kept changing status between pages).</summary>
    public const string ListInconsistent = "DRSGRAPH.LIST_INCONSISTENT";
}

/// <summary>The answer for one job ID: exactly one of <see cref="Value"/> and <see cref="Error"/> is set.</summary>
public readonly record struct DrsResult<T>(T? Value, DrsError? Error) where T : class
{
    public bool IsSuccess => Error is null;

    public static DrsResult<T> Success(T value) => new(value, null);

    public static DrsResult<T> Failure(DrsError error) => new(null, error);
}

/// <summary>
/// Every distinct requested ID mapped to its result, plus how many HTTP calls it took (for
/// metrics and tests). A wire item that carries an <c>error_code</c> next to real data (a failed
/// job explaining why) is a success; one that carries only an error is a failure.
/// </summary>
public sealed class DrsBatch<T>(IReadOnlyDictionary<string, DrsResult<T>> results, int upstreamCalls) where T : class
{
    public IReadOnlyDictionary<string, DrsResult<T>> Results { get; } = results;

    /// <summary>HTTP requests this batch needed (one per chunk and page; resilience retries not counted).</summary>
    public int UpstreamCalls { get; } = upstreamCalls;

    public DrsResult<T> this[string jobId] => Results[jobId];
}
