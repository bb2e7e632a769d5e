using System.Text.Json;
using DrsGraph.DrsClient.Wire;

namespace DrsGraph.DrsClient;

/// <summary>
/// Turns one HTTP answer into items or a typed error. DRS errors come in two shapes: the plain
/// <c>{error_code, error_msg|error_message, request_id?}</c> and, when no ID of a batch exists, a
/// 400 shaped like a success (<c>{count, results:[per-item errors]}</c>).
/// </summary>
internal static class DrsResponseReader
{
    /// <summary>
    /// How deep a DRS answer may nest. System.Text.Json's default, 64, failed a whole page as unreadable for one job
    /// with a deeply nested field nobody reads (DRS's open-ended objects keep what it adds, see <c>Extra</c>); 256
    /// leaves room for that, and an answer deeper still fails, its log line saying so. The serializer reading each
    /// item is given the same limit (<see cref="Wire.DrsWireJsonContext"/>).
    /// </summary>
    internal const int MaxDepth = 256;

    /// <summary>
    /// Most items one answer may hold: ten times the most IDs a batch call or a page asks for (100). An answer with more
    /// is a protocol error, read no further (<see cref="Wire.CappedItems{T}"/>).
    /// </summary>
    internal const int MaxItems = 1000;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    private static DrsErrorKind ItemErrorKind(string code) => code.ToUpperInvariant() switch
    {
        "DRS.M00289" or "DRS.M05003" => DrsErrorKind.NotFound,
        "DRS.M05004" => DrsErrorKind.Deleted,
        _ => DrsErrorKind.ItemError,
    };

    public static DrsClientPage<T> Read<T>(DrsEndpoint<T> endpoint, int status, byte[] content, string? headerRequestId, Uri? location)
        where T : class
    {
        if (status is >= 300 and < 400)
        {
            // Redirects are never followed (the token would go wherever they point), nor is what they carry read.
            return Failed<T>(Redirect(status, headerRequestId), RedirectCause(status, location));
        }

        var success = status is >= 200 and < 300;
        try
        {
            if ((success || status == 400) && ReadWhole(endpoint, content, status, headerRequestId) is { } whole)
            {
                return new(whole, null, status, headerRequestId);
            }
        }
        catch (TooManyItemsException tooMany)
        {
            // Not parsed again as a document to read item by item: a million items took that 1.5 s and 30 MB more.
            return Failed<T>(Unreadable(status, headerRequestId), tooMany.Message);
        }

        var (document, unreadable) = Parse(content);

        using (document)
        {
            var root = document?.RootElement;
            // Only a success and DRS's batch-shaped 400 (no ID of the batch exists: the whole batch refused, each
            // item saying why) may be read as per-item answers. Any other status is an error whatever its body
            // carries: a 401, or a proxy's 503 echoing a cached success, must never be served or cached as data.
            if ((success || status == 400) && root is { ValueKind: JsonValueKind.Object } obj
                && obj.TryGetProperty("results", out var results)
                && results.ValueKind == JsonValueKind.Array)
            {
                var count = results.GetArrayLength();
                if (count > MaxItems)
                {
                    return Failed<T>(Unreadable(status, headerRequestId), $"{count} items, more than the {MaxItems} any answer may hold");
                }

                // A success, or the batch-shaped 400: either way the items speak for each ID.
                var answers = new List<KeyValuePair<string, DrsResult<T>>>(count);
                foreach (var element in results.EnumerateArray())
                {
                    if (ReadItem(endpoint, element, status, headerRequestId) is { } answer)
                    {
                        answers.Add(answer);
                    }
                }

                return new(answers, null, status, headerRequestId);
            }

            if (root is { ValueKind: JsonValueKind.Object } errorObj
                && TryDeserializeError(errorObj) is { ErrorCode: { Length: > 0 } code } error)
            {
                var (drsError, cause) = PlainError(status, code, error, headerRequestId);
                return Failed<T>(drsError, cause);
            }

            return Failed<T>(Unreadable(status, headerRequestId), unreadable ?? ShapeCause(root, success || status == 400 ? "a \"results\" array" : "an error_code"));
        }
    }

    /// <summary>
    /// The common case in one pass: a well-formed answer whose every item reads as <typeparamref name="T"/> is read
    /// whole, as one batch. Null when anything in it does not read (an item of an unexpected shape, a malformed
    /// body, no <c>results</c> array): <see cref="Read"/> then parses it as a document and reads item by item, so
    /// that a bad item fails only its job. Reading each item on its own from a parsed document cost a quarter more
    /// per answer (bench/README.md, 2026-12-06 07:00-08:30); both ways read the same records with the same converters.
    /// </summary>
    private static List<KeyValuePair<string, DrsResult<T>>>? ReadWhole<T>(DrsEndpoint<T> endpoint, byte[] content, int status, string? requestId)
        where T : class
    {
        CappedItems<T>? items;
        try
        {
            items = JsonSerializer.Deserialize(content, endpoint.BatchType)?.Results;
        }
        catch (JsonException exception) when (exception is not TooManyItemsException)
        {
            return null;
        }

        if (items is null)
        {
            return null;
        }

        var answers = new List<KeyValuePair<string, DrsResult<T>>>(items.Count);
        foreach (var item in items)
        {
            // A null item says nothing about any job, as an item of another kind (item by item, it is skipped too).
            if (item is not null && Answer(endpoint, item, status, requestId) is { } answer)
            {
                answers.Add(answer);
            }
        }

        return answers;
    }

    /// <summary>
    /// Reads a list call's answer: the jobs (items without an ID dropped) and <c>total_record</c>, or the typed
    /// error. Unlike the batch calls there is no per-item error, so an unreadable item fails the whole answer.
    /// </summary>
    /// <returns>The list or the error, and for the log line what made the answer an error when its status alone does not say.</returns>
    public static (JobListResponseWire? List, DrsError? Error, string? Cause) ReadList(int status, byte[] content, string? headerRequestId, Uri? location)
    {
        if (status is >= 300 and < 400)
        {
            return (null, Redirect(status, headerRequestId), RedirectCause(status, location));
        }

        var (document, unreadable) = Parse(content);

        using (document)
        {
            var root = document?.RootElement;
            if (status is >= 200 and < 300 && root is { ValueKind: JsonValueKind.Object } obj
                && obj.TryGetProperty("jobs", out var jobs) && jobs.ValueKind == JsonValueKind.Array)
            {
                try
                {
                    var list = obj.Deserialize(DrsWireJsonContext.Default.JobListResponseWire);
                    if (list is { TotalRecord: >= 0 })
                    {
                        // Only items naming a job by a DRS job ID: one that names none ("../../etc/passwd") would reach
                        // callers as a job, and its other fields would be refused as the caller's INVALID_JOB_ID.
                        // Counted, so a walk still adds up to total_record (they made every walk "changed": LIST_INCONSISTENT for good).
                        CappedItems<JobListItemWire> named = [.. list.Jobs!.Where(j => j is { Id: { } id } && DrsClient.IsValidJobId(id))];
                        return (list with { Jobs = named, Unnamed = list.Jobs!.Count - named.Count }, null, null);
                    }

                    unreadable = "no total_record";
                }
                catch (JsonException ex)
                {
                    // A malformed job or total: a protocol error below.
                    unreadable = ex.Message;
                }

                return (null, new DrsError(DrsErrorCodes.UnreadableResponse, "DRS answered the job list with data this client cannot read.", DrsErrorKind.Protocol, status, headerRequestId), unreadable);
            }

            if (root is { ValueKind: JsonValueKind.Object } errorObj
                && TryDeserializeError(errorObj) is { ErrorCode: { Length: > 0 } code } error)
            {
                var (drsError, cause) = PlainError(status, code, error, headerRequestId);
                return (null, drsError, cause);
            }

            return (null, Unreadable(status, headerRequestId), unreadable ?? ShapeCause(root, status is >= 200 and < 300 ? "a \"jobs\" array" : "an error_code"));
        }
    }

    /// <summary>
    /// DRS's plain error (<c>{error_code, error_msg|error_message}</c>): DRS's code and message, whatever the status.
    /// On a 2xx (a success status with an error body, which a gateway in front of DRS can send) it is a protocol
    /// error, never data and never cached, that still says what DRS said; the log line's cause names the mismatch.
    /// </summary>
    private static (DrsError Error, string? Cause) PlainError(int status, string code, ErrorWire error, string? headerRequestId)
    {
        var requestId = error.RequestId ?? headerRequestId;
        var said = error.ErrorMsg ?? error.ErrorMessage;
        return status is >= 200 and < 300
            ? (new DrsError(code, $"DRS answered HTTP {status} with an error instead of data: {said ?? code}", DrsErrorKind.Protocol, status, requestId),
                $"an error body with HTTP {status}")
            : (new DrsError(code, said ?? $"DRS answered HTTP {status} {code}.", PlainErrorKind(status, code), status, requestId), null);
    }

    /// <summary>The log line's cause for well-formed JSON of the wrong shape (a parse failure names its own).</summary>
    private static string ShapeCause(JsonElement? root, string expected) =>
        $"JSON without {expected} (a JSON {root?.ValueKind.ToString().ToLowerInvariant() ?? "nothing"})";

    /// <summary>A plain error fails every ID of its call; the kind says whether to retry, re-authenticate or give up.</summary>
    private static DrsErrorKind PlainErrorKind(int status, string code) => status switch
    {
        401 => DrsErrorKind.Unauthorized,
        403 => DrsErrorKind.Forbidden,
        // 408 is a timeout, not a bad request: it must stay transient so nobody caches it.
        408 => DrsErrorKind.Timeout,
        429 => DrsErrorKind.Throttled,
        _ when string.Equals(code, "DRS.M01503", StringComparison.OrdinalIgnoreCase) => DrsErrorKind.Throttled,
        >= 500 => DrsErrorKind.Unavailable,
        >= 400 => DrsErrorKind.BadRequest,
        _ => DrsErrorKind.Protocol,
    };

    /// <summary>
    /// A body we cannot read. Where the status alone is unambiguous (auth, throttling, 5xx from a
    /// proxy's HTML page) it still decides the kind; anything else is a protocol error.
    /// </summary>
    private static DrsError Unreadable(int status, string? requestId) => status switch
    {
        401 => new(DrsErrorCodes.UnreadableResponse, "DRS refused the token (HTTP 401) with an unreadable body.", DrsErrorKind.Unauthorized, status, requestId),
        403 => new(DrsErrorCodes.UnreadableResponse, "DRS refused access (HTTP 403) with an unreadable body.", DrsErrorKind.Forbidden, status, requestId),
        408 => new(DrsErrorCodes.UpstreamTimeout, "DRS timed out the call (HTTP 408).", DrsErrorKind.Timeout, status, requestId),
        429 => new(DrsErrorCodes.UpstreamThrottled, "DRS throttled the call (HTTP 429).", DrsErrorKind.Throttled, status, requestId),
        >= 500 => new(DrsErrorCodes.UpstreamUnavailable, $"DRS failed with HTTP {status}.", DrsErrorKind.Unavailable, status, requestId),
        _ => new(DrsErrorCodes.UnreadableResponse, $"DRS answered HTTP {status} with a body this client cannot read.", DrsErrorKind.Protocol, status, requestId),
    };

    private static DrsClientPage<T> Failed<T>(DrsError error, string? cause = null)
        where T : class => new(null, error, error.HttpStatus, error.RequestId, cause);

    /// <summary>The body as JSON, or null and why not (the log line's cause: "maximum configured depth of 256 has been exceeded", ...).</summary>
    private static (JsonDocument? Document, string? Unreadable) Parse(byte[] content)
    {
        try
        {
            return (JsonDocument.Parse(content, DocumentOptions), null);
        }
        catch (JsonException ex)
        {
            return (null, content.Length == 0 ? "an empty body" : $"unreadable JSON: {ex.Message}");
        }
    }

    private static DrsError Redirect(int status, string? requestId) => new(DrsErrorCodes.Redirected,
        $"DRS answered HTTP {status}, a redirect; the gateway does not follow redirects (the caller's token would go with them).",
        DrsErrorKind.Protocol, status, requestId);

    /// <summary>
    /// Where a redirect pointed, for the log line: scheme, host, port and path, never a user name or password, query or
    /// fragment (a hostile or misconfigured upstream may put a secret there). Relative: its path only.
    /// </summary>
    private static string RedirectCause(int status, Uri? location) => location switch
    {
        null => $"HTTP {status} redirect without a Location, not followed",
        { IsAbsoluteUri: true } => $"HTTP {status} redirect to {location.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)}, not followed",
        // As sent: escape sequences and newlines in it would repaint the operator's terminal or forge a log line.
        _ => $"HTTP {status} redirect to {PrintableText.Printable(location.OriginalString.Split('?', '#')[0], PrintableText.MaxTokenLength)} (relative), not followed",
    };

    /// <summary>
    /// Reads one item on its own, so a field of an unexpected type fails only that job (as a
    /// protocol error) instead of every job of the call. Items without an ID are dropped.
    /// </summary>
    private static KeyValuePair<string, DrsResult<T>>? ReadItem<T>(DrsEndpoint<T> endpoint, JsonElement element, int status, string? requestId)
        where T : class
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        T? item;
        try
        {
            item = element.Deserialize(endpoint.ItemType);
        }
        catch (JsonException ex)
        {
            if (element.TryGetProperty(endpoint.IdProperty, out var idElement) && idElement.ValueKind == JsonValueKind.String && idElement.GetString() is { } badId)
            {
                var error = new DrsError(DrsErrorCodes.UnreadableResponse, $"DRS answered this job with data this client cannot read (at {ex.Path ?? "$"}).", DrsErrorKind.Protocol, status, requestId);
                return new(badId, DrsResult<T>.Failure(error));
            }

            return null;
        }

        return item is null ? null : Answer(endpoint, item, status, requestId);
    }

    /// <summary>What one item says: its job's value, or the job's error when it carries an error code and no data. Null without an ID.</summary>
    private static KeyValuePair<string, DrsResult<T>>? Answer<T>(DrsEndpoint<T> endpoint, T item, int status, string? requestId)
        where T : class
    {
        if (endpoint.IdOf(item) is not { } id)
        {
            return null;
        }

        // An error code with no data is a failed lookup; with data, it is a job explaining why it failed.
        var code = endpoint.ErrorCodeOf(item);
        if (status == 400 && string.IsNullOrEmpty(code) && endpoint.HasData(item))
        {
            // DRS's batch-wide 400 (no ID of the batch exists) carries per-item errors only: data in one is no answer to
            // serve, nor to cache for a terminal job's five minutes.
            return new(id, DrsResult<T>.Failure(new DrsError(DrsErrorCodes.UnreadableResponse,
                $"DRS answered HTTP 400 with this job's {endpoint.Name} and no error code; a 400 carries errors only.", DrsErrorKind.Protocol, status, requestId)));
        }

        if (status != 400 && endpoint.HasData(item))
        {
            return new(id, DrsResult<T>.Success(item));
        }

        if (string.IsNullOrEmpty(code))
        {
            // Neither: an item naming the job and saying nothing else was cached as a real answer (status UNKNOWN, not
            // terminal) for the field's TTL. A protocol error instead: transient, never cached.
            return new(id, DrsResult<T>.Failure(new DrsError(DrsErrorCodes.UnreadableResponse,
                $"DRS answered this job with neither its {endpoint.Name} nor an error code.", DrsErrorKind.Protocol, status, requestId)));
        }

        var message = endpoint.ErrorMessageOf(item) is { Length: > 0 } text ? text : $"DRS answered {code} for this job.";
        return new(id, DrsResult<T>.Failure(new DrsError(code, message, ItemErrorKind(code), status, requestId)));
    }

    private static ErrorWire? TryDeserializeError(JsonElement element)
    {
        try
        {
            return element.Deserialize(DrsWireJsonContext.Default.ErrorWire);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>What one HTTP call produced: an answer per job ID it mentions, or a failure for all its IDs.</summary>
/// <remarks>
/// <c>Cause</c>, for the failure's log line: what made the answer an error when no exception did (where a redirect
/// pointed, why a body is unreadable).
/// </remarks>
internal sealed record DrsClientPage<T>(IReadOnlyList<KeyValuePair<string, DrsResult<T>>>? Answers, DrsError? Failure, int? HttpStatus, string? RequestId, string? Cause = null)
    where T : class;
