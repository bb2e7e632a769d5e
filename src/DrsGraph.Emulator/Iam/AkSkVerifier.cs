using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DrsGraph.Emulator.Drs;
using Microsoft.Extensions.Options;

namespace DrsGraph.Emulator.Iam;

/// <summary>
/// Checks an <c>SDK-HMAC-SHA256</c> signed request as the API gateway in front of DRS does: recomputes the
/// canonical request from what arrived (method, path ending in '/', sorted query, the headers named in
/// <c>SignedHeaders</c>, the body's SHA-256), signs it with the access key's secret and compares. Written
/// separately from the gateway's signer on purpose, so the two check each other.
/// </summary>
public sealed class AkSkVerifier(IOptionsMonitor<IamOptions> options, TimeProvider time)
{
    public const string Scheme = "SDK-HMAC-SHA256";

    public const string SignatureMismatch = "Incorrect IAM authentication information: verify aksk signature fail";
    public const string DateOutOfRange = "Incorrect IAM authentication information: ak/sk signature expired";
    public const string UnknownAccessKey = "Incorrect IAM authentication information: get secretkey error";
    public const string Malformed = "Incorrect IAM authentication information: Authorization header is malformed";

    /// <summary>Null when the signature holds and the key may read <paramref name="projectId"/>, else the refusal.</summary>
    public async Task<(int Status, string Code, string Message)?> VerifyAsync(HttpRequest request, string authorization, string projectId, CancellationToken cancellationToken)
    {
        var parts = authorization[Scheme.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!parts.TryGetValue("Access", out var access) || !parts.TryGetValue("SignedHeaders", out var signedList) || !parts.TryGetValue("Signature", out var signature))
        {
            return Unauthorized(Malformed);
        }

        var settings = options.CurrentValue;
        if (!settings.AccessKeys.TryGetValue(access, out var key))
        {
            return Unauthorized(UnknownAccessKey);
        }

        var dateText = request.Headers["X-Sdk-Date"].ToString();
        if (!DateTimeOffset.TryParseExact(dateText, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            || (time.GetUtcNow() - date).Duration() > settings.MaxClockSkew)
        {
            return Unauthorized(DateOutOfRange);
        }

        var signed = signedList.Split(';');
        if (!signed.Contains("x-sdk-date", StringComparer.Ordinal))
        {
            return Unauthorized(Malformed);
        }

        request.EnableBuffering();
        request.Body.Position = 0;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        request.Body.Position = 0;

        var canonical = new StringBuilder()
            .Append(request.Method).Append('\n')
            .Append(CanonicalPath(request.Path.Value ?? "/")).Append('\n')
            .Append(CanonicalQuery(request.Query)).Append('\n');
        foreach (var name in signed)
        {
            var value = name == "host" ? request.Host.Value : request.Headers[name].ToString();
            canonical.Append(name).Append(':').Append(value?.Trim()).Append('\n');
        }

        canonical.Append('\n').Append(signedList).Append('\n').Append(Hex(SHA256.HashData(buffer.ToArray())));
        var toSign = $"{Scheme}\n{dateText}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var expected = Hex(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key.SecretKey), Encoding.UTF8.GetBytes(toSign)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            return Unauthorized(SignatureMismatch);
        }

        return key.Projects.Contains(projectId, StringComparer.Ordinal)
            ? null
            : (StatusCodes.Status403Forbidden, DrsErrors.InvalidProject, DrsErrors.InvalidProjectMessage);
    }

    private static (int, string, string) Unauthorized(string message) => (StatusCodes.Status401Unauthorized, DrsErrors.TokenMissing, message);

    private static string CanonicalPath(string path)
    {
        var escaped = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        return escaped.EndsWith('/') ? escaped : escaped + "/";
    }

    private static string CanonicalQuery(IQueryCollection query) => string.Join('&', query
        .SelectMany(q => q.Value.Select(v => (Key: Uri.EscapeDataString(q.Key.ToLowerInvariant()), Value: Uri.EscapeDataString(v ?? ""))))
        .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
        .Select(p => p.Key + "=" + p.Value));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
