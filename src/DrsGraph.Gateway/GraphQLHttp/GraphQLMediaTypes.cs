using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>The media types of the GraphQL over HTTP spec and the Accept negotiation between them.</summary>
internal static class GraphQLMediaTypes
{
    public const string GraphQLResponseJson = "application/graphql-response+json";
    public const string Json = "application/json";

    /// <summary>
    /// Picks the response media type, or null when the client accepts neither (406).
    /// No Accept header, <c>*/*</c> and <c>application/*</c> mean application/json: the spec's audit
    /// expects it and legacy clients only understand that one. On a tie in q-value the explicit
    /// application/graphql-response+json wins, as the spec asks of clients that list both.
    /// </summary>
    public static string? Negotiate(StringValues acceptHeaders)
    {
        if (StringValues.IsNullOrEmpty(acceptHeaders))
        {
            return Json;
        }

        if (!MediaTypeHeaderValue.TryParseList(acceptHeaders, out var accepted) || accepted.Count == 0)
        {
            // An unparsable Accept header is the client's bug, not a reason to refuse the request.
            return Json;
        }

        string? best = null;
        double bestQuality = 0;
        int bestRank = -1;
        foreach (var mediaType in accepted)
        {
            var quality = mediaType.Quality ?? 1.0;
            if (quality <= 0)
            {
                continue;
            }

            var (candidate, rank) = Classify(mediaType);
            if (candidate is null)
            {
                continue;
            }

            if (quality > bestQuality || (quality == bestQuality && rank > bestRank))
            {
                (best, bestQuality, bestRank) = (candidate, quality, rank);
            }
        }

        return best;
    }

    /// <summary>True when a browser asks for HTML (navigation to the endpoint), used to serve the IDE.</summary>
    public static bool AcceptsHtml(StringValues acceptHeaders) =>
        MediaTypeHeaderValue.TryParseList(acceptHeaders, out var accepted)
        && accepted.Any(m => (m.Quality ?? 1.0) > 0 && m.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// True when the client would rather have <c>text/event-stream</c> (graphql-sse, EventSource: GraphQL over SSE)
    /// than a JSON answer. Only a named <c>text/event-stream</c> with q &gt; 0 counts (wildcards do not, so plain
    /// clients sending <c>*/*</c> keep getting JSON), and it must not be outranked: a higher q on a JSON type or a
    /// wildcard wins (<c>application/json, text/event-stream;q=0.1</c> is JSON). On equal q it beats a wildcard,
    /// and between it and a named JSON type the one listed first wins: urql lists JSON first for queries (all at
    /// q=1) and only <c>text/event-stream, multipart/mixed</c> for subscriptions; graphql-sse and the IDE send it alone.
    /// </summary>
    public static bool PrefersEventStream(StringValues acceptHeaders)
    {
        if (!MediaTypeHeaderValue.TryParseList(acceptHeaders, out var accepted))
        {
            return false;
        }

        double eventStream = 0, json = 0, wildcard = 0;
        int eventStreamAt = -1, jsonAt = -1;
        for (var i = 0; i < accepted.Count; i++)
        {
            var quality = accepted[i].Quality ?? 1.0;
            if (accepted[i].MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                if (quality > eventStream)
                {
                    (eventStream, eventStreamAt) = (quality, i);
                }

                continue;
            }

            switch (Classify(accepted[i]).Rank)
            {
                case > 0 when quality > json:
                    (json, jsonAt) = (quality, i);
                    break;
                case 0:
                    wildcard = Math.Max(wildcard, quality);
                    break;
            }
        }

        return eventStream > 0
            && eventStream >= wildcard
            && (eventStream > json || (eventStream == json && eventStreamAt < jsonAt));
    }

    public static string ContentTypeOf(string mediaType) => mediaType + "; charset=utf-8";

    private static (string? MediaType, int Rank) Classify(MediaTypeHeaderValue mediaType)
    {
        var name = mediaType.MediaType;
        if (name.Equals(GraphQLResponseJson, StringComparison.OrdinalIgnoreCase))
        {
            return (GraphQLResponseJson, 2);
        }

        if (name.Equals(Json, StringComparison.OrdinalIgnoreCase))
        {
            return (Json, 1);
        }

        if (name.Equals("application/*", StringComparison.OrdinalIgnoreCase) || name.Equals("*/*", StringComparison.OrdinalIgnoreCase))
        {
            return (Json, 0);
        }

        return (null, -1);
    }
}
