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
    public static DrsErrorKind ItemErrorKind(string code) => code.ToUpperInvariant() switch
    {
        "DRS.M00289" or "DRS.M05003" => DrsErrorKind.NotFound,
        "DRS.M05004" => DrsErrorKind.Deleted,
        _ => DrsErrorKind.ItemError,
    };

    public static DrsClientPage<T> Read<T>(DrsEndpoint<T> endpoint, int status, byte[] content, string? headerRequestId)
        where T : class
    {
        var success = status is >= 200 and < 300;
        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(content);
        }
        catch (JsonException)
        {
            // Unreadable: handled below with document == null.
        }

        using (document)
        {
            var root = document?.RootElement;
            if (root is { ValueKind: JsonValueKind.Object } obj
                && obj.TryGetProperty("results", out var results)
                && results.ValueKind == JsonValueKind.Array
                && TryDeserialize(obj, endpoint) is { Results: { } items })
            {
                // A success, or the batch-shaped 400: either way the items speak for each ID.
                return new(items, null, status, headerRequestId);
            }

            if (!success && root is { ValueKind: JsonValueKind.Object } errorObj
                && TryDeserializeError(errorObj) is { ErrorCode: { Length: > 0 } code } error)
            {
                var requestId = error.RequestId ?? headerRequestId;
                var message = error.ErrorMsg ?? error.ErrorMessage ?? $"DRS answered HTTP {status} {code}.";
                return Failed<T>(new DrsError(code, message, PlainErrorKind(status, code), status, requestId));
            }

            return Failed<T>(Unreadable(status, headerRequestId));
        }
    }

    /// <summary>A plain error fails every ID of its call; the kind says whether to retry, re-authenticate or give up.</summary>
    private static DrsErrorKind PlainErrorKind(int status, string code) => status switch
    {
        401 => DrsErrorKind.Unauthorized,
        403 => DrsErrorKind.Forbidden,
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
        429 => new(DrsErrorCodes.UpstreamThrottled, "DRS throttled the call (HTTP 429).", DrsErrorKind.Throttled, status, requestId),
        >= 500 => new(DrsErrorCodes.UpstreamUnavailable, $"DRS failed with HTTP {status}.", DrsErrorKind.Unavailable, status, requestId),
        _ => new(DrsErrorCodes.UnreadableResponse, $"DRS answered HTTP {status} with a body this client cannot read.", DrsErrorKind.Protocol, status, requestId),
    };

    private static DrsClientPage<T> Failed<T>(DrsError error)
        where T : class => new(null, error, error.HttpStatus, error.RequestId);

    private static BatchResponseWire<T>? TryDeserialize<T>(JsonElement element, DrsEndpoint<T> endpoint)
        where T : class
    {
        try
        {
            return element.Deserialize(endpoint.ResponseType);
        }
        catch (JsonException)
        {
            return null;
        }
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

/// <summary>What one HTTP call produced: items to match by ID, or a failure for all its IDs.</summary>
internal sealed record DrsClientPage<T>(IReadOnlyList<T>? Items, DrsError? Failure, int? HttpStatus, string? RequestId)
    where T : class;
