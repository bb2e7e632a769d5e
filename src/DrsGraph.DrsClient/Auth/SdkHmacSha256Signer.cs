using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DrsGraph.DrsClient.Auth;

/// <summary>
/// AK/SK request signing as the public Huawei Cloud SDKs do it (<c>SDK-HMAC-SHA256</c>): a canonical
/// request (method, URI path ending in '/', sorted query, the signed headers lower-cased and sorted, the
/// hex SHA-256 of the body), hashed into a string to sign with the <c>X-Sdk-Date</c>, signed with
/// HMAC-SHA256 keyed by the secret key. The API gateway in front of DRS recomputes it from what it received.
/// </summary>
public static class SdkHmacSha256Signer
{
    public const string Algorithm = "SDK-HMAC-SHA256";
    public const string DateHeader = "X-Sdk-Date";

    /// <summary>The <c>X-Sdk-Date</c> format: basic ISO 8601 in UTC.</summary>
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>The date as <c>X-Sdk-Date</c> carries it.</summary>
    public static string FormatDate(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// The canonical request. <paramref name="path"/> and the query are taken unescaped and escaped here
    /// (RFC 3986 unreserved characters stay), as the SDKs do; query names are lower-cased like the Go SDK's.
    /// </summary>
    /// <remarks><paramref name="headers"/>: every header to sign, by name (any case), each signed with its trimmed value.</remarks>
    public static string CanonicalRequest(string method, string path, IEnumerable<KeyValuePair<string, string>> query,
        IReadOnlyDictionary<string, string> headers, string bodySha256Hex)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(headers);

        var uri = string.Join('/', path.Split('/').Select(Escape));
        if (!uri.EndsWith('/'))
        {
            uri += "/";
        }

        var sortedQuery = string.Join('&', query
            .Select(p => (Key: Escape(p.Key.ToLowerInvariant()), Value: Escape(p.Value)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));

        var signed = SignedHeaders(headers);
        var lowered = headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.Trim(), StringComparer.Ordinal);
        var canonicalHeaders = new StringBuilder();
        foreach (var name in signed)
        {
            canonicalHeaders.Append(name).Append(':').Append(lowered[name]).Append('\n');
        }

        return string.Join('\n', method.ToUpperInvariant(), uri, sortedQuery, canonicalHeaders.ToString(), string.Join(';', signed), bodySha256Hex);
    }

    /// <summary>The signed header names: lower-cased, sorted ordinally.</summary>
    public static IReadOnlyList<string> SignedHeaders(IReadOnlyDictionary<string, string> headers) =>
        [.. headers.Keys.Select(k => k.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary><c>SDK-HMAC-SHA256\n{X-Sdk-Date}\n{hex SHA-256 of the canonical request}</c>.</summary>
    public static string StringToSign(string canonicalRequest, string sdkDate) =>
        $"{Algorithm}\n{sdkDate}\n{HexSha256(Encoding.UTF8.GetBytes(canonicalRequest))}";

    /// <summary>The hex HMAC-SHA256 of the string to sign, keyed by the secret key.</summary>
    public static string Signature(string stringToSign, string secretKey) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretKey), Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>The <c>Authorization</c> header value.</summary>
    public static string AuthorizationValue(string accessKey, IReadOnlyList<string> signedHeaders, string signature) =>
        $"{Algorithm} Access={accessKey}, SignedHeaders={string.Join(';', signedHeaders)}, Signature={signature}";

    /// <summary>Lower-case hex SHA-256 (of an empty body when <paramref name="data"/> is empty).</summary>
    public static string HexSha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>
    /// Signs <paramref name="request"/> in place: sets <c>X-Sdk-Date</c> to <paramref name="now"/> and the
    /// <c>Authorization</c> header, signing <c>host</c>, <c>x-sdk-date</c>, <c>content-type</c> and every
    /// <c>X-Project-Id</c>/<c>X-Language</c> header present.
    /// </summary>
    public static async Task SignAsync(HttpRequestMessage request, string accessKey, string secretKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no absolute URI to sign.");
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var date = FormatDate(now);
        request.Headers.Remove(DateHeader);
        request.Headers.TryAddWithoutValidation(DateHeader, date);

        // The Host header HttpClient will send: the authority, the port only when it is not the scheme's default; an IPv6
        // literal in its brackets (IdnHost drops them: "::1:8443" was signed while "[::1]:8443" was sent, and refused).
        var host = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost}]" : uri.IdnHost;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["host"] = request.Headers.Host ?? (uri.IsDefaultPort ? host : $"{host}:{uri.Port}"),
            [DateHeader] = date,
        };
        if (request.Content?.Headers.ContentType is { } contentType)
        {
            headers["content-type"] = contentType.ToString();
        }

        foreach (var name in (string[])["X-Project-Id", "X-Language"])
        {
            if (request.Headers.TryGetValues(name, out var values))
            {
                headers[name] = string.Join(',', values);
            }
        }

        var canonical = CanonicalRequest(request.Method.Method, Uri.UnescapeDataString(uri.AbsolutePath), ParseQuery(uri.Query), headers, HexSha256(body));
        var signature = Signature(StringToSign(canonical, date), secretKey);
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", AuthorizationValue(accessKey, SignedHeaders(headers), signature));
    }

    /// <summary>The query's name/value pairs, unescaped; a name without '=' has an empty value.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ParseQuery(string query)
    {
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            yield return new(Uri.UnescapeDataString(name.Replace('+', ' ')), Uri.UnescapeDataString(value.Replace('+', ' ')));
        }
    }

    /// <summary>Percent-encodes everything but RFC 3986's unreserved characters, upper-case hex, UTF-8.</summary>
    public static string Escape(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
