using System.Globalization;
using System.Text;

namespace DrsGraph.DrsClient;

/// <summary>
/// Text DRS (or whatever answers in its place) chose: an error code, a message, a request ID. It reaches log lines and
/// callers' error codes, so control and invisible formatting characters are written as <c>\uXXXX</c> (a newline in
/// <c>request_id</c> forged a log line of its own, an escape sequence repainted the operator's terminal) and it is cut
/// short.
/// </summary>
internal static class UpstreamText
{
    /// <summary>Longest error code or request ID kept: real ones are 10 to 40 characters.</summary>
    public const int MaxTokenLength = 128;

    /// <summary>Longest message kept (the wire records' own limit).</summary>
    public const int MaxMessageLength = 4096;

    public static string Printable(string value, int maxLength)
    {
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
