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
    /// <summary>The most members an object may have for its members to be tried one by one.</summary>
    public const int MaxMembersTriedAlone = 64;

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
    /// read again from the members that read by themselves. An object with more members than any shape this reads
    /// (<see cref="MaxMembersTriedAlone"/>) is dropped whole instead: trying each alone costs about 5 us a member, so a
    /// broken upstream's 700 KB object would cost a quarter of a second.
    /// </summary>
    private static T? ReadMembersThatRead(JsonElement element, JsonTypeInfo<T> typeInfo)
    {
        if (element.GetPropertyCount() > MaxMembersTriedAlone)
        {
            return null;
        }

        var readable = element.EnumerateObject().Where(member => TryRead(ObjectOf([member]).Span, typeInfo) is not null).ToList();
        return TryRead(ObjectOf(readable).Span, typeInfo);
    }

    /// <summary>A JSON object of these members, as they were sent.</summary>
    private static ReadOnlyMemory<byte> ObjectOf(IEnumerable<JsonProperty> members)
    {
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            foreach (var member in members)
            {
                member.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return json.WrittenMemory;
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
