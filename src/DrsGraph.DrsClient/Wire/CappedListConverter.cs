using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DrsGraph.DrsClient.Wire;

/// <summary>
/// Reads an answer's array of items (a batch's <c>results</c>, a page's <c>jobs</c>), at most
/// <see cref="DrsResponseReader.MaxItems"/> of them: past that the answer does not read (a <see cref="JsonException"/>,
/// so a protocol error). The byte ceiling alone did not bound memory: a 4 MB answer of a million empty items made a
/// million records of fifty properties each, over 1 GB.
/// </summary>
internal sealed class CappedListConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(IReadOnlyList<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(CappedListConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;
}

/// <inheritdoc cref="CappedListConverterFactory"/>
internal sealed class CappedListConverter<T> : JsonConverter<IReadOnlyList<T>>
{
    private JsonTypeInfo<T>? _item;

    public override IReadOnlyList<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"Expected an array of items, found {reader.TokenType}.");
        }

        var item = _item ??= (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        var items = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (items.Count == DrsResponseReader.MaxItems)
            {
                throw new JsonException($"More than {DrsResponseReader.MaxItems} items in one answer.");
            }

            items.Add(JsonSerializer.Deserialize(ref reader, item)!);
        }

        return items;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<T> value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Answers are only read.");
}
