namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// Whether a URL a browser sent about the calling page (<c>Origin</c>, <c>Referer</c>) names this gateway: the same host
/// and port as the request. The scheme is not compared: behind a TLS-terminating proxy the page's is https and ours http.
/// </summary>
internal static class OwnHost
{
    /// <summary><paramref name="url"/> as a URI when it is absolute and names the request's host and port; else null.</summary>
    public static Uri? Of(HttpRequest request, string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            ? uri
            : null;
}
