using System.Globalization;
using System.Text;

namespace DrsGraph.DrsClient.Tests.Protocol;

/// <summary>
/// The scrub of an echoed secret on its own (StubbedAnswerTests checks it end to end): the same answers as the first way,
/// which decoded the whole body and kept the origin of every decoded byte, for bodies of every mix of escapes.
/// </summary>
public sealed class SecretEchoTests
{
    private const string Secret = "MIIE/a+b=cd/EF+g";

    [Theory]
    [InlineData("no escape, no secret", "{\"a\":\"b\"}", "{\"a\":\"b\"}")]
    [InlineData("an escape, no secret", "{\"phone\":\"\\u002B4915\"}", "{\"phone\":\"\\u002B4915\"}")]
    [InlineData("plain", "x MIIE/a+b=cd/EF+g y", "x *** y")]
    [InlineData("slashes escaped", "x MIIE\\/a+b=cd\\/EF+g y", "x *** y")]
    [InlineData("every character escaped at the start", "\\u004DIIE/a+b=cd/EF+g", "***")]
    [InlineData("escaped at the end", "MIIE/a+b=cd/EF\\u002Bg", "***")]
    [InlineData("the last byte escaped", "MIIE/a+b=cd/EF+\\u0067", "***")]
    [InlineData("twice, escaped two ways, an escape between", "MIIE\\/a\\u002bb=cd/EF+g\\nMIIE/a+b\\u003Dcd/EF+g", "***\\n***")]
    [InlineData("an escaped backslash before a u is no escape of the u", "MIIE/a\\\\u002Bb=cd/EF+g", "MIIE/a\\\\u002Bb=cd/EF+g")]
    [InlineData("a backslash at the very end", "x MIIE/a\\u002Bb=cd/EF+g \\", "x *** \\")]
    [InlineData("a cut unicode escape at the end", "MIIE/a\\u002Bb=cd/EF+g\\u00", "***\\u00")]
    [InlineData("non-ASCII escapes left alone", "\\u00e9MIIE/a\\u002Bb=cd/EF+g\\u00e9", "\\u00e9***\\u00e9")]
    public void Echoes_are_scrubbed_escapes_and_all(string _, string body, string expected)
    {
        var scrubbed = SecretEcho.Without(Secret, Encoding.UTF8.GetBytes(body));

        Assert.Equal(expected, Encoding.UTF8.GetString(scrubbed));
    }

    [Fact]
    public void A_body_without_an_echo_is_returned_as_it_is()
    {
        var withEscape = Encoding.UTF8.GetBytes("{\"endpoints\":[\"\\u002B491511598428\"],\"name\":\"MIIE/a+b\"}");
        var plain = Encoding.UTF8.GetBytes("{\"name\":\"MIIE/a+b\"}");

        Assert.Same(withEscape, SecretEcho.Without(Secret, withEscape));
        Assert.Same(plain, SecretEcho.Without(Secret, plain));
        Assert.Same(plain, SecretEcho.Without("short", plain));
    }

    /// <remarks>
    /// A hostile DRS may answer with nothing but escapes, up to Drs:MaxResponseBytes: the search takes about one decoded copy
    /// of the body (the first way took five times the body, an int for each byte), and still finds an echo at its end.
    /// </remarks>
    [Fact]
    public void A_body_of_escapes_only_costs_about_one_copy_of_it()
    {
        var escapes = string.Concat(Enumerable.Repeat("\\/", 1_000_000));
        var body = Encoding.UTF8.GetBytes(escapes);
        var echoed = Encoding.UTF8.GetBytes(escapes + "MIIE\\/a\\u002Bb=cd/EF+g\\/");
        SecretEcho.Without(Secret, body);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var same = SecretEcho.Without(Secret, body);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var scrubbed = SecretEcho.Without(Secret, echoed);

        Assert.Same(body, same);
        Assert.True(allocated < 1.5 * body.Length, $"{allocated} bytes allocated for a body of {body.Length}");
        Assert.Equal(escapes + "***\\/", Encoding.UTF8.GetString(scrubbed));
    }

    /// <remarks>Random bodies of the secret's characters, escapes of them and of others, and copies of the secret escaped at random.</remarks>
    [Fact]
    public void Random_bodies_are_scrubbed_as_the_whole_body_decode_did()
    {
        var random = new Random(20261207);
        string[] noise = ["\\n", "\\\\", "\\\"", "\\/", "\\u00e9", "\\u", "\\", "a", "M", "/", "+", "=", "x", " "];
        var echoes = 0;
        for (var round = 0; round < 3000; round++)
        {
            var body = new StringBuilder();
            var parts = random.Next(1, 12);
            for (var p = 0; p < parts; p++)
            {
                if (random.Next(3) == 0)
                {
                    body.Append(Disguised(Secret, random));
                    echoes++;
                }
                else
                {
                    for (var n = random.Next(0, 8); n > 0; n--)
                    {
                        body.Append(noise[random.Next(noise.Length)]);
                    }
                }
            }

            var content = Encoding.UTF8.GetBytes(body.ToString());
            var expected = WholeBodyDecode(Encoding.UTF8.GetBytes(Secret), content);

            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(SecretEcho.Without(Secret, content)));
        }

        Assert.True(echoes > 1000, $"only {echoes} echoes generated");
    }

    private static string Disguised(string secret, Random random)
    {
        var text = new StringBuilder();
        foreach (var c in secret)
        {
            text.Append(random.Next(4) switch
            {
                0 => $"\\u{(int)c:x4}",
                1 => $"\\u{(int)c:X4}",
                2 when c == '/' => "\\/",
                _ => c.ToString(),
            });
        }

        return text.ToString();
    }

    /// <summary>The first way (until 2026-12-07): the plain search, then the whole body decoded with the origin of every byte.</summary>
    private static byte[] WholeBodyDecode(byte[] needle, byte[] content)
    {
        var plain = new List<byte>(content.Length);
        var rest = content.AsSpan();
        while (rest.IndexOf(needle) is var at and >= 0)
        {
            plain.AddRange(rest[..at]);
            plain.AddRange("***"u8);
            rest = rest[(at + needle.Length)..];
        }

        plain.AddRange(rest);
        content = [.. plain];
        var decoded = new byte[content.Length];
        var origin = new int[content.Length + 1];
        var length = 0;
        for (var i = 0; i < content.Length; length++)
        {
            origin[length] = i;
            if (content[i] == '\\' && i + 1 < content.Length && content[i + 1] is (byte)'/' or (byte)'\\' or (byte)'"')
            {
                decoded[length] = content[i + 1];
                i += 2;
            }
            else if (content[i] == '\\' && i + 5 < content.Length && content[i + 1] == 'u'
                && ushort.TryParse(content.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code) && code < 0x80)
            {
                decoded[length] = (byte)code;
                i += 6;
            }
            else
            {
                decoded[length] = content[i++];
            }
        }

        origin[length] = content.Length;
        var scrubbed = new List<byte>(content.Length);
        var copied = 0;
        var searched = 0;
        while (decoded.AsSpan(searched, length - searched).IndexOf(needle) is var found and >= 0)
        {
            var start = searched + found;
            scrubbed.AddRange(content.AsSpan(copied, origin[start] - copied));
            scrubbed.AddRange("***"u8);
            copied = origin[start + needle.Length];
            searched = start + needle.Length;
        }

        scrubbed.AddRange(content.AsSpan(copied));
        return [.. scrubbed];
    }
}
