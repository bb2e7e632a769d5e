using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DrsGraph.DrsClient.Wire;

/// <summary>
/// Reads an optional, auxiliary object member of a DRS answer; a value that is not an object of the expected
/// shape (a string, a number, an array, a member of the wrong type) reads as null instead of failing the item.
/// </summary>
/// <remarks>
/// For members whose shape the public sources disagree on or describe loosely, and that nothing else of the
/// item depends on: <c>alarm_notify</c> was once read as a string while real DRS sends an object, and every job
/// with alarm notifications lost its whole detail. Nothing is logged: the job itself is fine, and one line
/// per item would flood the log for a whole fleet. <typeparamref name="T"/> must be in
/// <see cref="DrsWireJsonContext"/>.
/// </remarks>
public sealed class LenientObjectConverter<T> : JsonConverter<T>
    where T : class
{
    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        // The item is buffered whole (DrsResponseReader reads items from a JsonElement), so parsing the member
        // first costs nothing upstream and lets a member of the wrong type inside it be dropped with it.
        var element = JsonElement.ParseValue(ref reader);
        try
        {
            return element.Deserialize((JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
}
