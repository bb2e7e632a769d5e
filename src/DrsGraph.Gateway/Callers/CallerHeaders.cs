using System.Text.Json;

namespace DrsGraph.Gateway.Callers;

/// <summary>
/// The headers that identify the caller of a connection when they are not the request's own: a WebSocket's
/// upgrade request merged with its <c>connection_init</c> payload (browsers cannot set headers on a
/// WebSocket). Set on the connection's <see cref="HttpContext"/> once the connection is acknowledged, so the
/// rate limiter and the per-caller connection count key the caller the same way its operations do.
/// </summary>
public sealed record CallerHeadersFeature(IHeaderDictionary Headers);

public static class CallerHeaders
{
    /// <summary>Most payload entries taken over; the caller needs three.</summary>
    private const int MaxPayloadEntries = 32;

    /// <summary>The caller's headers: the connection's (<see cref="CallerHeadersFeature"/>) if set, else the request's.</summary>
    public static IHeaderDictionary Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<CallerHeadersFeature>()?.Headers ?? context.Request.Headers;
    }

    /// <summary>
    /// The request's headers, overridden by every string member of <paramref name="payload"/> (a JSON object such
    /// as <c>{"X-Auth-Token": "...", "X-Project-Id": "..."}</c>; names are case-insensitive like headers). The
    /// payload wins per header: a browser page states its caller there, while a service may have sent the same
    /// headers on the upgrade request. Members that are not strings are ignored.
    /// </summary>
    public static IHeaderDictionary Merge(IHeaderDictionary requestHeaders, JsonElement? payload)
    {
        ArgumentNullException.ThrowIfNull(requestHeaders);
        var merged = new HeaderDictionary();
        foreach (var (name, value) in requestHeaders)
        {
            merged[name] = value;
        }

        if (payload is { ValueKind: JsonValueKind.Object } members)
        {
            var taken = 0;
            foreach (var member in members.EnumerateObject())
            {
                if (member.Value.ValueKind == JsonValueKind.String && member.Name.Length > 0 && taken++ < MaxPayloadEntries)
                {
                    merged[member.Name] = member.Value.GetString();
                }
            }
        }

        return merged;
    }
}
