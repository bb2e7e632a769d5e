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
    /// application/graphql-response+json wins, as the spec asks of clients that list both; a type refused
    /// by name (q=0) is not taken through a wildcard.
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

        // Each type's q is its most specific range's (RFC 9110 12.5.1): "application/json;q=0, */*" refuses JSON
        // and takes application/graphql-response+json through the wildcard.
        var (graphQL, graphQLNamed) = QualityOf(GraphQLResponseJson, accepted);
        var (json, jsonNamed) = QualityOf(Json, accepted);
        if (graphQL <= 0 && json <= 0)
        {
            return null;
        }

        if (graphQL != json)
        {
            return graphQL > json ? GraphQLResponseJson : Json;
        }

        // A tie: a named type beats one reached through a wildcard, and of two named ones the spec's own wins.
        return graphQLNamed ? GraphQLResponseJson : Json;
    }

    /// <summary>
    /// <paramref name="mediaType"/>'s q-value in <paramref name="accepted"/>: that of the most specific range naming it
    /// (the type itself, then <c>application/*</c>, then <c>*/*</c>; the highest when a range is listed twice), 0 when
    /// none does; and whether the type itself was named.
    /// </summary>
    private static (double Quality, bool Named) QualityOf(string mediaType, IList<MediaTypeHeaderValue> accepted)
    {
        double? named = null, type = null, any = null;
        foreach (var range in accepted)
        {
            var quality = range.Quality ?? 1.0;
            var name = range.MediaType;
            if (name.Equals(mediaType, StringComparison.OrdinalIgnoreCase))
            {
                named = Math.Max(named ?? 0, quality);
            }
            else if (name.Equals("application/*", StringComparison.OrdinalIgnoreCase))
            {
                type = Math.Max(type ?? 0, quality);
            }
            else if (name.Equals("*/*", StringComparison.OrdinalIgnoreCase))
            {
                any = Math.Max(any ?? 0, quality);
            }
        }

        return (named ?? type ?? any ?? 0, named is not null);
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
