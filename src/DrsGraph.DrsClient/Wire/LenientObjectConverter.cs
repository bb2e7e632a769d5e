using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DrsGraph.DrsClient.Wire;

/// <summary>
/// Reads an optional, auxiliary object member of a DRS answer; a value that is not an object (a string, a number,
/// an array) reads as null instead of failing the item, and inside an object a member of the wrong type is left out
/// while the members that read are kept.
/// </summary>
/// <remarks>
/// For members whose shape the public sources disagree on or describe loosely, and that nothing else of the
/// item depends on: <c>alarm_notify</c> was once read as a string while real DRS sends an object, and every job
/// with alarm notifications lost its whole detail. Nothing is logged: the job itself is fine, and one line
/// per item would flood the log for a whole fleet. <typeparamref name="T"/> must be in
/// <see cref="DrsWireJsonContext"/>, and every member of it optional (each member is tried alone when the whole fails).
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
        // first costs nothing upstream and lets a member of the wrong type inside it be left out on its own.
        var element = JsonElement.ParseValue(ref reader);
        var typeInfo = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        try
        {
            return element.Deserialize(typeInfo);
        }
        catch (JsonException)
        {
            return ReadMembersThatRead(element, typeInfo);
        }
    }

    /// <summary>
    /// The slow path, taken only for an object that did not read whole: each member is tried alone, and the object is
    /// read again from the members that read by themselves.
    /// </summary>
    private static T? ReadMembersThatRead(JsonElement element, JsonTypeInfo<T> typeInfo)
    {
        var kept = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(kept))
        {
            writer.WriteStartObject();
            foreach (var member in element.EnumerateObject())
            {
                if (ReadsAlone(member, typeInfo))
                {
                    member.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return TryRead(kept.WrittenSpan, typeInfo);
    }

    private static bool ReadsAlone(JsonProperty member, JsonTypeInfo<T> typeInfo)
    {
        var alone = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(alone))
        {
            writer.WriteStartObject();
            member.WriteTo(writer);
            writer.WriteEndObject();
        }

        return TryRead(alone.WrittenSpan, typeInfo) is not null;
    }

    private static T? TryRead(ReadOnlySpan<byte> json, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(json, typeInfo);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
}
