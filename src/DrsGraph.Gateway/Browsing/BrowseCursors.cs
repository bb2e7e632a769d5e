using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.ResponseCaching;
using GraphQL;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// Opaque, signed cursors: a position in the filtered, ordered list, bound to what produced the list (the
/// field, the caller's project, the filter, the order, the given IDs) and to when it was issued. The
/// position alone would let a cursor of one filter page another; the binding and an HMAC make a tampered,
/// foreign or expired cursor a clear <c>INVALID_CURSOR</c> instead of a wrong page.
/// </summary>
public sealed class BrowseCursors
{
    private const byte Version = 1;
    private const int BindingBytes = 16;
    private const int MacBytes = 16;
    private const int PayloadBytes = 1 + 4 + 8 + BindingBytes;

    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    public BrowseCursors(IOptions<BrowseOptions> options, IOptions<JobCacheOptions> cache, TimeProvider time)
    {
        var secret = options.Value.CursorSecret is { Length: > 0 } own ? own : cache.Value.KeySecret;
        // Without a configured secret, cursors are valid only on the replica that issued them: safe, if less handy.
        _key = secret is { Length: > 0 } ? Encoding.UTF8.GetBytes(secret) : RandomNumberGenerator.GetBytes(32);
        _time = time;
        _lifetime = options.Value.CursorLifetime;
    }

    /// <summary>A digest of everything that defines the list a cursor points into.</summary>
    public static byte[] Bind(string field, string project, object? where, object? order, IEnumerable<string>? ids)
    {
        var text = new StringBuilder();
        text.Append(field).Append('\n').Append(project).Append('\n');
        Canonical(text, where);
        text.Append('\n');
        Canonical(text, order);
        text.Append('\n');
        foreach (var id in ids ?? [])
        {
            text.Append(id).Append(',');
        }

        return SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))[..BindingBytes];
    }

    public string Encode(byte[] binding, int offset)
    {
        // A cursor carries the time it was issued: an answer holding one is never replayed (see OperationResponseCache).
        ResponseRecorder.Current?.Spoil();
        Span<byte> buffer = stackalloc byte[PayloadBytes + MacBytes];
        buffer[0] = Version;
        BinaryPrimitives.WriteInt32BigEndian(buffer[1..], offset);
        BinaryPrimitives.WriteInt64BigEndian(buffer[5..], _time.GetUtcNow().ToUnixTimeSeconds());
        binding.CopyTo(buffer[13..]);
        HMACSHA256.HashData(_key, buffer[..PayloadBytes])[..MacBytes].CopyTo(buffer[PayloadBytes..]);
        return Convert.ToBase64String(buffer).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The position a cursor points at, or <c>INVALID_CURSOR</c>.</summary>
    public int Decode(string cursor, byte[] binding, string argument)
    {
        var bytes = FromBase64Url(cursor);
        if (bytes is not { Length: PayloadBytes + MacBytes } || bytes[0] != Version)
        {
            throw Invalid(argument, "is not a cursor of this gateway");
        }

        var mac = HMACSHA256.HashData(_key, bytes.AsSpan(0, PayloadBytes))[..MacBytes];
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes.AsSpan(PayloadBytes)))
        {
            throw Invalid(argument, "was altered or issued by another deployment");
        }

        if (!CryptographicOperations.FixedTimeEquals(binding, bytes.AsSpan(13, BindingBytes)))
        {
            throw Invalid(argument, "belongs to another field, filter, order or ID list; start again without it");
        }

        var issued = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(5)));
        if (_time.GetUtcNow() - issued > _lifetime)
        {
            throw Invalid(argument, "has expired; start again from the first page");
        }

        var offset = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1));
        return offset >= 0 ? offset : throw Invalid(argument, "is not a cursor of this gateway");
    }

    private static ExecutionError Invalid(string argument, string why) =>
        GatewayErrors.Create(GatewayErrorCodes.InvalidCursor, $"The '{argument}' cursor {why}.");

    private static byte[]? FromBase64Url(string text)
    {
        if (text.Length is 0 or > 128)
        {
            return null;
        }

        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        var buffer = new byte[padded.Length];
        return Convert.TryFromBase64String(padded, buffer, out var written) ? buffer[..written] : null;
    }

    private static void Canonical(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null:
                text.Append("null");
                break;
            case string s:
                text.Append('"').Append(s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                break;
            case IDictionary<string, object?> map:
                text.Append('{');
                foreach (var (key, item) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append(key).Append(':');
                    Canonical(text, item);
                    text.Append(',');
                }

                text.Append('}');
                break;
            case IEnumerable list:
                text.Append('[');
                foreach (var item in list)
                {
                    Canonical(text, item);
                    text.Append(',');
                }

                text.Append(']');
                break;
            case DateTime time:
                text.Append(time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
                break;
            case IFormattable formattable:
                text.Append(value.GetType().Name).Append(':').Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                text.Append(value);
                break;
        }
    }
}
