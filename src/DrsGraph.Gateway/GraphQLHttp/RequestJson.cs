using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Unicode;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// Parses a request's JSON text (a POST body, a GET's <c>variables</c> or <c>extensions</c>) strictly enough
/// that nothing read from it later can throw: what JsonDocument accepts but its readers or GraphQL.NET's
/// input conversion throw on is refused here as the client's malformed JSON.
/// </summary>
internal static class RequestJson
{
    /// <summary>How deep a request's JSON may nest: System.Text.Json's default, stated so the refusal can name it.</summary>
    internal const int MaxDepth = 64;

    /// <summary>
    /// Longest number token accepted. No real ID or value needs more; GraphQL.NET reads longer integers as
    /// BigInteger, whose parsing and printing are quadratic (900 000 digits cost 22 s of CPU).
    /// </summary>
    public const int MaxNumberLength = 100;

    // Duplicate names: GraphQL.NET's Inputs converter throws on them, and which one wins is ambiguous anyway.
    private static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false };

    /// <summary>A parsed document, or a message for the client naming <paramref name="what"/> and the problem.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> utf8, string what, [NotNullWhen(true)] out JsonDocument? document, [NotNullWhen(false)] out string? error)
    {
        document = null;
        if (!Utf8.IsValid(utf8.Span))
        {
            error = $"{what} is not valid UTF-8.";
            return false;
        }

        // First our own pass: it finds what JsonDocument would throw on while checking for repeated
        // names (a lone surrogate in a name), and reports syntax errors with their position.
        error = FindUnreadableToken(utf8.Span, what);
        if (error is not null)
        {
            return false;
        }

        try
        {
            document = JsonDocument.Parse(utf8, Options);
        }
        catch (JsonException)
        {
            // Well-formed (checked above): what is left is the check for repeated names.
            error = $"{what} is not valid JSON: an object has the same property name twice.";
            return false;
        }

        return true;
    }

    /// <summary>Syntax errors, strings escaping a lone UTF-16 surrogate (<c>"\ud800"</c>) and overlong numbers.</summary>
    private static string? FindUnreadableToken(ReadOnlySpan<byte> utf8, string what)
    {
        // The default depth limit (64), as JsonDocument's.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        while (true)
        {
            try
            {
                if (!reader.Read())
                {
                    return null;
                }
            }
            catch (JsonException ex)
            {
                // Nesting past the limit is well-formed JSON we refuse, not a syntax error: say which. The last token
                // read opened the deepest level allowed (depths count from 0) and the next one would open another.
                return reader.CurrentDepth >= MaxDepth - 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray
                    ? $"{what} nests deeper than {MaxDepth} levels (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})."
                    : $"{what} is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).";
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.String or JsonTokenType.PropertyName when reader.ValueIsEscaped:
                    try
                    {
                        // Only escaped text can hold a lone surrogate: unescaped bytes were checked as UTF-8.
                        _ = reader.GetString();
                    }
                    catch (InvalidOperationException)
                    {
                        return $"{what} is not valid JSON (byte {reader.TokenStartIndex + 1}): a string escapes a lone UTF-16 surrogate, such as \\ud800 without a low surrogate after it.";
                    }

                    break;
                case JsonTokenType.Number when reader.ValueSpan.Length > MaxNumberLength:
                    return $"{what} has a number longer than {MaxNumberLength} characters (byte {reader.TokenStartIndex + 1}).";
            }
        }
    }
}
