using System.Buffers;
using System.Globalization;
using System.Text;

namespace DrsGraph.DrsClient;

/// <summary>
/// Takes a secret the client sent (the caller's token, an AK/SK Authorization header or its signature) out of what DRS
/// answered: a message that echoes it would reach callers as an error's text and the log, and with service identities
/// the token is the gateway's own, which its JWT callers must never hold. Whether DRS or a gateway in front of it ever
/// echoes a token is not known; this runs on every answer, so it costs one search of the body, and one more over a
/// decoded copy for a body with a JSON escape in it.
/// </summary>
public static class SecretEcho
{
    /// <summary>
    /// <paramref name="content"/> with every copy of <paramref name="secret"/> replaced by <c>***</c>, as it is
    /// and as JSON escaping disguises it (<c>/</c> written <c>\/</c>, <c>+</c> written <c>\u002B</c>, as many encoders
    /// do, and IAM tokens are full of both), escapes and all; the same array when there is none. A secret shorter than
    /// 8 characters is not searched for (it would match ordinary text).
    /// </summary>
    public static byte[] Without(string? secret, byte[] content)
    {
        if (secret is not { Length: >= 8 } || content.Length < secret.Length)
        {
            return content;
        }

        // The secret's bytes on the stack, or from the pool when it is long (IAM tokens are several KB).
        var length = Encoding.UTF8.GetByteCount(secret);
        var rented = length > 512 ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            var needle = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
            Encoding.UTF8.GetBytes(secret, needle);
            var scrubbed = content.AsSpan().IndexOf(needle) is var at and >= 0 ? Scrubbed(content, needle, at) : content;
            return WithoutEscaped(needle, scrubbed);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// <paramref name="content"/> with every copy of <paramref name="needle"/> that JSON escaping disguised replaced by
    /// <c>***</c>, escapes and all, whichever of its characters were escaped. Decodes JSON's escapes into a pooled
    /// copy, only for a body with an escape in it, and remembers where the decoded bytes began only at the escapes: between
    /// two escapes, decoded and encoded bytes correspond one to one.
    /// </summary>
    /// <remarks>
    /// The first way kept the origin of every decoded byte in an array of its own: for a 30 KB detail answer with one
    /// <c>\u002B</c> in it (the emulator writes <c>+</c> so), 150 KB allocated, most of it on the large object heap, and
    /// 150 us, more than the rest of reading that answer (bench/README.md, 2026-12-07 21:37).
    /// </remarks>
    private static byte[] WithoutEscaped(ReadOnlySpan<byte> needle, byte[] content)
    {
        var escape = content.AsSpan().IndexOf((byte)'\\');
        if (escape < 0)
        {
            return content;
        }

        var decoded = ArrayPool<byte>.Shared.Rent(content.Length);
        try
        {
            // Where the decoded bytes began, at each escape and after it: (decoded index, encoded index) in ascending order.
            var breaks = new List<(int Decoded, int Encoded)>();
            var length = 0;
            var i = 0;
            while (true)
            {
                var run = escape < 0 ? content.Length - i : escape;
                content.AsSpan(i, run).CopyTo(decoded.AsSpan(length));
                length += run;
                i += run;
                if (escape < 0)
                {
                    break;
                }

                if (Unescaped(content, i) is var (value, width))
                {
                    breaks.Add((length, i));
                    decoded[length++] = value;
                    i += width;
                    breaks.Add((length, i));
                }
                else
                {
                    // Not an escape that could disguise a secret's byte: a byte like any other.
                    decoded[length++] = content[i++];
                }

                escape = content.AsSpan(i).IndexOf((byte)'\\');
            }

            List<byte>? scrubbed = null;
            var copied = 0;
            var searched = 0;
            while (decoded.AsSpan(searched, length - searched).IndexOf(needle) is var at and >= 0)
            {
                var start = searched + at;
                scrubbed ??= new List<byte>(content.Length);
                scrubbed.AddRange(content.AsSpan(copied, OriginOf(start, breaks) - copied));
                scrubbed.AddRange(MarkBytes);
                copied = OriginOf(start + needle.Length, breaks);
                searched = start + needle.Length;
            }

            if (scrubbed is null)
            {
                return content;
            }

            scrubbed.AddRange(content.AsSpan(copied));
            return [.. scrubbed];
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(decoded);
        }
    }

    /// <summary>The byte the escape at <paramref name="at"/> stands for and how many bytes it takes (<c>\/</c>, <c>\\</c>, <c>\"</c>, or <c>\u</c> and four hex digits below 0x80), or null.</summary>
    private static (byte Value, int Width)? Unescaped(byte[] content, int at)
    {
        if (at + 1 < content.Length && content[at + 1] is (byte)'/' or (byte)'\\' or (byte)'"')
        {
            return (content[at + 1], 2);
        }

        if (at + 5 < content.Length && content[at + 1] == 'u'
            && ushort.TryParse(content.AsSpan(at + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code) && code < 0x80)
        {
            return ((byte)code, 6);
        }

        return null;
    }

    /// <summary>Where in the encoded body the decoded byte at <paramref name="decoded"/> (or the end, at the decoded length) began.</summary>
    private static int OriginOf(int decoded, List<(int Decoded, int Encoded)> breaks)
    {
        // The last break at or before it; from there on, one byte for one.
        var low = 0;
        var high = breaks.Count - 1;
        var found = -1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (breaks[middle].Decoded <= decoded)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found < 0 ? decoded : breaks[found].Encoded + (decoded - breaks[found].Decoded);
    }

    private static byte[] Scrubbed(byte[] content, ReadOnlySpan<byte> needle, int at)
    {
        var scrubbed = new List<byte>(content.Length);
        var rest = content.AsSpan();
        while (at >= 0)
        {
            scrubbed.AddRange(rest[..at]);
            scrubbed.AddRange(MarkBytes);
            rest = rest[(at + needle.Length)..];
            at = rest.IndexOf(needle);
        }

        scrubbed.AddRange(rest);
        return [.. scrubbed];
    }

    private static ReadOnlySpan<byte> MarkBytes => "***"u8;
}
