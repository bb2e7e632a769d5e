using System.Text.Json;
using System.Text.Json.Serialization;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// What a replica says on a scope's Redis channel: an observation it polled as the scope's lease holder, or
/// that it <see cref="Released"/> the lease (so a follower takes over at once). Never carries a token: the
/// channel is named by the scope's keyed hash, and snapshots hold only DRS's answers.
/// </summary>
/// <param name="From">The publishing replica, so it can ignore its own messages.</param>
/// <param name="Released">The lease is free: the sender stopped polling the scope.</param>
/// <param name="ObservedAt">When the poll found <paramref name="Jobs"/>.</param>
/// <param name="Unauthorized">DRS refused the scope's token: every replica's subscribers of it end.</param>
/// <param name="Jobs">The jobs the poll covered (every replica's watched jobs of the scope).</param>
public sealed record SharedScopeMessage(string From, bool Released, DateTime ObservedAt, bool Unauthorized, Dictionary<string, JobSnapshot>? Jobs)
{
    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, SharedScopeJsonContext.Default.SharedScopeMessage);

    /// <summary>The message, or null when it is not one (another version's, or garbage).</summary>
    public static SharedScopeMessage? TryRead(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonSerializer.Deserialize(utf8, SharedScopeJsonContext.Default.SharedScopeMessage);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Source-generated JSON for the scope channels, enums by name like the cache's entries.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SharedScopeMessage))]
internal sealed partial class SharedScopeJsonContext : JsonSerializerContext;
