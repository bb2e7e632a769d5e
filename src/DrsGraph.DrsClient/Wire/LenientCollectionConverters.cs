using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DrsGraph.DrsClient.Wire;

/// <summary>
/// Reads an optional list of an item's (<c>tags</c>): a value that is not an array reads as null, and an element that
/// does not read (a string among tag objects, a tag whose key is an object) is left out, instead of failing the job's
/// whole detail. Like <see cref="LenientObjectConverter{T}"/>, for parts nothing else of the item depends on; nothing is
/// logged.
/// </summary>
/// <remarks>
/// The fast path is the serializer's own reading of each element; only an element that throws is read again (skipped)
/// from a copy of the reader taken before it. That needs the whole value in the buffer, which it is: answers are read
/// from their bytes, and the serializer buffers a custom converter's value whole before calling it.
/// </remarks>
public sealed class LenientListConverter<TItem> : JsonConverter<IReadOnlyList<TItem>>
    where TItem : class
{
    public override IReadOnlyList<TItem>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var typeInfo = (JsonTypeInfo<TItem>)options.GetTypeInfo(typeof(TItem));
        var items = new List<TItem>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (Lenient.TryRead(ref reader, typeInfo) is { } item)
            {
                items.Add(item);
            }
        }

        return items;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<TItem> value, JsonSerializerOptions options)
    {
        var typeInfo = (JsonTypeInfo<TItem>)options.GetTypeInfo(typeof(TItem));
        writer.WriteStartArray();
        foreach (var item in value)
        {
            JsonSerializer.Serialize(writer, item, typeInfo);
        }

        writer.WriteEndArray();
    }
}

/// <summary>
/// Reads an optional object keyed by name (<c>progress_map</c>): a value that is not an object reads as null, and a member
/// whose value does not read (a phase that is a string, a phase whose <c>completed</c> is an object) is left out, instead
/// of failing the job's whole progress. As <see cref="LenientListConverter{TItem}"/> does for lists.
/// </summary>
public sealed class LenientMapConverter<TValue> : JsonConverter<IReadOnlyDictionary<string, TValue>>
    where TValue : class
{
    public override IReadOnlyDictionary<string, TValue>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        var typeInfo = (JsonTypeInfo<TValue>)options.GetTypeInfo(typeof(TValue));
        var map = new Dictionary<string, TValue>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Names are bounded like every string read (BoundedStringConverter's length).
            var name = BoundedStringConverter.Bound(reader.GetString()!);
            reader.Read();
            if (Lenient.TryRead(ref reader, typeInfo) is { } value)
            {
                // A repeated name: the last one counts, as the serializer's own dictionaries do.
                map[name] = value;
            }
        }

        return map;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, TValue> value, JsonSerializerOptions options)
    {
        var typeInfo = (JsonTypeInfo<TValue>)options.GetTypeInfo(typeof(TValue));
        writer.WriteStartObject();
        foreach (var (name, item) in value)
        {
            writer.WritePropertyName(name);
            JsonSerializer.Serialize(writer, item, typeInfo);
        }

        writer.WriteEndObject();
    }
}

internal static class Lenient
{
    /// <summary>
    /// The value at the reader (its first token), or null when it is not an object or does not read; either way the reader
    /// ends on the value's last token.
    /// </summary>
    public static T? TryRead<T>(ref Utf8JsonReader reader, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        var start = reader;
        try
        {
            return JsonSerializer.Deserialize(ref reader, typeInfo);
        }
        catch (JsonException)
        {
            reader = start;
            reader.Skip();
            return null;
        }
    }
}
