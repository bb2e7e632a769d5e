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
                // The secret's bytes must not outlive the call in a pooled array the next renter reads.
                rented.AsSpan(0, length).Clear();
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// <paramref name="content"/> with every copy of <paramref name="needle"/> that JSON escaping disguised replaced by
    /// <c>***</c>, escapes and all, whichever of its characters were escaped. Decodes JSON's escapes into a pooled copy,
    /// only for a body with an escape in it, run by run between escapes; where a copy found began and ended in the body is
    /// worked out only when one is found (rare), by walking the body from the last one.
    /// </summary>
    /// <remarks>
    /// The first way kept the origin of every decoded byte in an array of its own: for a 30 KB detail answer with one
    /// <c>\u002B</c> in it (the emulator writes <c>+</c> so), 184 KB allocated, most of it on the large object heap, and
    /// 236 us, twice what reading that answer costs (bench/README.md, 2026-12-07 21:37); and for an answer of escapes only,
    /// four bytes for each of its bytes.
    /// </remarks>
    private static byte[] WithoutEscaped(ReadOnlySpan<byte> needle, byte[] content)
    {
        var escape = content.AsSpan().IndexOf((byte)'\\');
        if (escape < 0)
        {
            return content;
        }

        var decoded = ArrayPool<byte>.Shared.Rent(content.Length);
        List<byte>? scrubbed = null;
        var length = 0;
        try
        {
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

                var (value, width) = Unescaped(content, i);
                decoded[length++] = value;
                i += width;
                escape = content.AsSpan(i).IndexOf((byte)'\\');
            }

            // A decoded position and the body's position it began at, moved forward only.
            var (at, origin) = (0, 0);
            var copied = 0;
            var searched = 0;
            while (decoded.AsSpan(searched, length - searched).IndexOf(needle) is var found and >= 0)
            {
                var start = searched + found;
                scrubbed ??= new List<byte>(content.Length);
                origin = Walk(content, ref at, origin, start);
                scrubbed.AddRange(content.AsSpan(copied, origin - copied));
                scrubbed.AddRange(MarkBytes);
                copied = origin = Walk(content, ref at, origin, start + needle.Length);
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
            if (scrubbed is not null)
            {
                // The decoded copy holds the secret it found, unescaped.
                decoded.AsSpan(0, length).Clear();
            }

            ArrayPool<byte>.Shared.Return(decoded);
        }
    }

    /// <summary>
    /// The byte the escape at <paramref name="at"/> stands for and how many bytes it takes (<c>\/</c>, <c>\\</c>,
    /// <c>\"</c>, or <c>\u</c> and four hex digits below 0x80); any other backslash stands for itself.
    /// </summary>
    private static (byte Value, int Width) Unescaped(byte[] content, int at)
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

        return (content[at], 1);
    }

    /// <summary>
    /// Where in the body the decoded byte at <paramref name="target"/> (or the end, at the decoded length) began, walking
    /// forward from decoded position <paramref name="at"/>, which began at <paramref name="origin"/>; moves
    /// <paramref name="at"/> to <paramref name="target"/>. Decoded and body bytes correspond one to one between escapes.
    /// </summary>
    private static int Walk(byte[] content, ref int at, int origin, int target)
    {
        while (true)
        {
            var next = content.AsSpan(origin).IndexOf((byte)'\\');
            if (next < 0 || at + next >= target)
            {
                origin += target - at;
                at = target;
                return origin;
            }

            at += next + 1;
            origin += next + Unescaped(content, origin + next).Width;
        }
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
