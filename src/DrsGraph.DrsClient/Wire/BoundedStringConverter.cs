using System.Text.Json;
using System.Text.Json.Serialization;

namespace DrsGraph.DrsClient.Wire;

/// <summary>
/// Reads every string of a DRS answer (names, descriptions, error messages, ...) and keeps at most
/// <see cref="MaxLength"/> characters of it, marking a cut with <see cref="TruncationMarker"/>.
/// </summary>
/// <remarks>
/// A 100 KB <c>error_msg</c> was once echoed into every error of a response, and a 200 MB job name
/// was cached and then broke every later answer for its token. Real DRS strings are short (a job name
/// is at most 50 characters, a description 256), so 4096 characters keeps everything genuine. Applied to
/// every string of the wire records, so no field can be forgotten. A number or boolean where a string belongs is read as
/// its text (the SDKs disagree on some fields' types); an object or array is not a string.
/// </remarks>
public sealed class BoundedStringConverter : JsonConverter<string>
{
    /// <summary>Most characters kept of one string from DRS, marker included.</summary>
    public const int MaxLength = 4096;

    /// <summary>Ends a string that was cut.</summary>
    public const string TruncationMarker = "…[truncated]";

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        return reader.TokenType switch
        {
            JsonTokenType.String => Bound(reader.GetString()!),
            // The SDKs disagree on some types (a create_time or progress sent as a number): the value as written.
            JsonTokenType.Number => Bound(LenientScalars.NumberText(ref reader)),
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            _ => throw new JsonException($"Expected a string, got {reader.TokenType}."),
        };
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    // Dictionary keys (progress_map's phase names) are strings from DRS too.
    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Bound(reader.GetString()!);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    /// <summary><paramref name="value"/> itself when short enough, else its first characters and the marker.</summary>
    public static string Bound(string value)
    {
        if (value.Length <= MaxLength)
        {
            return value;
        }

        var keep = MaxLength - TruncationMarker.Length;
        // Never split a surrogate pair: half of one is not text any writer accepts.
        if (char.IsHighSurrogate(value[keep - 1]))
        {
            keep--;
        }

        return string.Concat(value.AsSpan(0, keep), TruncationMarker);
    }
}
