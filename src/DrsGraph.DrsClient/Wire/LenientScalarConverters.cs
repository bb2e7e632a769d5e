using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DrsGraph.DrsClient.Wire;

/// <summary>
/// DRS's numbers and booleans as its SDKs disagree on them: <c>node_num</c> is an int in the new SDKs and a string in the
/// old, and an empty field may come as <c>""</c>. A number reads from a JSON number or a numeric string (<c>"3"</c>, and
/// <c>"3.0"</c> or <c>3.0</c> when whole); anything else (<c>""</c>, <c>"n/a"</c>, a fraction, a boolean) is read as
/// absent, as an omitted field is, rather than failing the job's whole answer for one odd value. An object or array
/// where a number belongs is not a value at all: the item is unreadable, as before.
/// </summary>
public sealed class LenientInt32Converter : JsonConverter<int?>
{
    public override bool HandleNull => true;

    public override int? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        LenientScalars.ReadWhole(ref reader) is { } value && value is >= int.MinValue and <= int.MaxValue ? (int)value : null;

    public override void Write(Utf8JsonWriter writer, int? value, JsonSerializerOptions options)
    {
        if (value is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

/// <summary><see cref="LenientInt32Converter"/> for 64-bit numbers (alarm delays).</summary>
public sealed class LenientInt64Converter : JsonConverter<long?>
{
    public override bool HandleNull => true;

    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => LenientScalars.ReadWhole(ref reader);

    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options)
    {
        if (value is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

/// <summary>
/// A DRS boolean from <c>true</c>/<c>false</c>, the strings <c>"true"</c>/<c>"false"</c> (any case) or <c>1</c>/<c>0</c>
/// (number or string); another scalar is read as absent, an object or array is unreadable (<see cref="LenientInt32Converter"/>).
/// </summary>
public sealed class LenientBooleanConverter : JsonConverter<bool?>
{
    public override bool HandleNull => true;

    public override bool? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.String:
                var text = reader.GetString()!.Trim();
                return text.Equals("true", StringComparison.OrdinalIgnoreCase) || text == "1" ? true
                    : text.Equals("false", StringComparison.OrdinalIgnoreCase) || text == "0" ? false
                    : null;
            case JsonTokenType.Number:
                return reader.TryGetInt32(out var number) && number is 0 or 1 ? number == 1 : null;
            case JsonTokenType.Null:
                return null;
            default:
                throw new JsonException($"Expected a boolean, got {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, bool? value, JsonSerializerOptions options)
    {
        if (value is { } flag)
        {
            writer.WriteBooleanValue(flag);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

internal static class LenientScalars
{
    /// <summary>A whole number from a JSON number or string, else null; an object or array is not a number.</summary>
    public static long? ReadWhole(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var number))
                {
                    return number;
                }

                return reader.TryGetDouble(out var real) ? Whole(real) : null;
            case JsonTokenType.String:
                var text = reader.GetString()!.Trim();
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }

                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsedReal) ? Whole(parsedReal) : null;
            case JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null:
                return null;
            default:
                throw new JsonException($"Expected a number, got {reader.TokenType}.");
        }
    }

    /// <summary>The raw text of a number token (DRS sent a number where the SDKs read a string).</summary>
    public static string NumberText(ref Utf8JsonReader reader) =>
        reader.HasValueSequence ? Encoding.UTF8.GetString(reader.ValueSequence.ToArray()) : Encoding.UTF8.GetString(reader.ValueSpan);

    // Within 9e18, not long's exact range: long.MaxValue as a double rounds up to 2^63, which no long holds.
    private static long? Whole(double value) =>
        double.IsFinite(value) && Math.Floor(value) == value && Math.Abs(value) < 9e18 ? (long)value : null;
}
