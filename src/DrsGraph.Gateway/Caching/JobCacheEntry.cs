using System.Text.Json;
using System.Text.Json.Serialization;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// One cached answer for one job field: a value, or a "not found"/"deleted" error. Times come from the
/// cache's clock; an entry is fresh until <see cref="FreshUntil"/> and may be served as stale (only when
/// DRS fails transiently) until <see cref="StaleUntil"/>. The same shape in memory and, as JSON, in Redis.
/// </summary>
public sealed record JobCacheEntry<T>(T? Value, DrsError? Error, DateTimeOffset FetchedAt, DateTimeOffset FreshUntil, DateTimeOffset StaleUntil) : IJobCacheEntry
    where T : class
{
    public bool IsFreshAt(DateTimeOffset now) => now < FreshUntil;

    /// <summary>Only values are served stale: a stale "not found" would only hide the real error.</summary>
    public bool CanServeStaleAt(DateTimeOffset now) => Value is not null && now < StaleUntil;

    /// <summary>
    /// The value with its age, as every fresh hit hands it out: made once with the entry (these records are
    /// immutable), not for each hit, which cost a warm 20-job x 3-field operation 60 pairs of objects. Not stored in Redis.
    /// </summary>
    [JsonIgnore]
    private Fetched<T>? Fresh { get; } = Value is { } value ? new Fetched<T>(value, new Freshness(FetchedAt.UtcDateTime, false)) : null;

    /// <summary>What a request gets from this entry: the value with its age, or the cached error.</summary>
    public DrsResult<Fetched<T>> ToAnswer(bool stale) =>
        Value is { } value
            ? DrsResult<Fetched<T>>.Success(!stale && Fresh is { } fresh && Describes(fresh, value) ? fresh : new Fetched<T>(value, new Freshness(FetchedAt.UtcDateTime, stale)))
            : DrsResult<Fetched<T>>.Failure(Error!);

    // A copy made with `with` carries the original's Fresh: it is handed out only while it is this entry's value and age.
    private bool Describes(Fetched<T> fresh, T value) => ReferenceEquals(fresh.Value, value) && fresh.Freshness!.FetchedAt == FetchedAt.UtcDateTime;
}

/// <summary>What the memory level needs of any entry, whatever its field: when it is worth nothing.</summary>
public interface IJobCacheEntry
{
    DateTimeOffset StaleUntil { get; }
}

/// <summary>Source-generated JSON for Redis: no reflection, enums by name so a reordered enum cannot misread.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobCacheEntry<JobStatusInfo>))]
[JsonSerializable(typeof(JobCacheEntry<JobProgress>))]
[JsonSerializable(typeof(JobCacheEntry<JobDetail>))]
internal sealed partial class JobCacheJsonContext : JsonSerializerContext;
