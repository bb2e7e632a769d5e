using System.Globalization;
using System.Text;

namespace DrsGraph.DrsClient;

/// <summary>
/// Text someone else chose, made fit for a log line or an error: DRS's (an error code, a message, a request ID; a newline
/// in <c>request_id</c> forged a log line of its own, an escape sequence repainted the operator's terminal) and a
/// caller's (the gateway's <c>CallerText</c>). Control and invisible formatting characters are written as
/// <c>\uXXXX</c>, and it is cut short.
/// </summary>
public static class PrintableText
{
    /// <summary>Longest error code or request ID kept: real ones are 10 to 40 characters.</summary>
    public const int MaxTokenLength = 128;

    /// <summary>Longest message kept (the wire records' own limit).</summary>
    public const int MaxMessageLength = 4096;

    /// <summary><paramref name="value"/>'s first <paramref name="maxLength"/> characters, printable, with "…" when it was longer.</summary>
    public static string Printable(string value, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(value);
        var cut = value.Length <= maxLength ? value : value[..maxLength] + "…";
        foreach (var c in cut)
        {
            if (IsUnprintable(c))
            {
                return Escaped(cut);
            }
        }

        return cut;
    }

    /// <summary>As <see cref="Printable"/>, null for null.</summary>
    public static string? PrintableOrNull(string? value, int maxLength) => value is null ? null : Printable(value, maxLength);

    private static string Escaped(string value)
    {
        var text = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            _ = IsUnprintable(c) ? text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}") : text.Append(c);
        }

        return text.ToString();
    }

    private static bool IsUnprintable(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
