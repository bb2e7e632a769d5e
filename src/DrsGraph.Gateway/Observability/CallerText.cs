using DrsGraph.DrsClient;

namespace DrsGraph.Gateway.Observability;

/// <summary>
/// Text a caller chose (an operation name, a job ID that is none, a region or document id), made fit for a log line or an
/// error message: cut short, so one request cannot write a megabyte-long line, and with control and invisible formatting
/// characters written as <c>\uXXXX</c>, so a CR or LF in it cannot forge lines of its own.
/// </summary>
internal static class CallerText
{
    /// <summary>Caller text as a log line's argument: escaped and cut short when the line is written, only if it is.</summary>
    internal readonly struct LogValue(string value, int maxLength)
    {
        public override string ToString() => Excerpt(value, maxLength);
    }

    /// <summary><paramref name="value"/>'s first <paramref name="maxLength"/> characters, printable, with "…" when it was longer.</summary>
    public static string Excerpt(string value, int maxLength) => PrintableText.Printable(value, maxLength);

    /// <summary><paramref name="value"/> with control and invisible formatting characters written as <c>\uXXXX</c>.</summary>
    public static string Printable(string value) => PrintableText.Printable(value, int.MaxValue);
}
