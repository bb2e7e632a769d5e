using System.Text;
using StackExchange.Redis;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// The scope part of a job cache key (<see cref="JobCacheKeys.ScopeOf"/>: endpoint, project, partition, language), with
/// its hash computed once: one per operation, shared by all its keys.
/// </summary>
internal sealed class CacheScope(string text) : IEquatable<CacheScope>
{
    public string Text { get; } = text;

    public int Hash { get; } = text.GetHashCode(StringComparison.Ordinal);

    public bool Equals(CacheScope? other) =>
        ReferenceEquals(this, other) || (other is not null && Hash == other.Hash && string.Equals(Text, other.Text, StringComparison.Ordinal));

    public override bool Equals(object? obj) => Equals(obj as CacheScope);

    public override int GetHashCode() => Hash;

    // The Redis keys' UTF-8 prefix (scope, field, ':') per field, made on first use. Replaced whole, never changed, so
    // readers need no lock; two threads racing make the same prefix twice and one is kept.
    private (string Field, byte[] Prefix)[] _redisPrefixes = [];

    /// <summary>The UTF-8 bytes of <see cref="JobCacheKeys.KeyOf"/> up to the job ID, for <paramref name="field"/>.</summary>
    public byte[] RedisPrefixFor(string field)
    {
        var known = Volatile.Read(ref _redisPrefixes);
        foreach (var (name, prefix) in known)
        {
            if (string.Equals(name, field, StringComparison.Ordinal))
            {
                return prefix;
            }
        }

        var made = Encoding.UTF8.GetBytes(JobCacheKeys.KeyOf(Text, field, ""));
        Volatile.Write(ref _redisPrefixes, [.. known, (field, made)]);
        return made;
    }
}

/// <summary>
/// One job field's key in process memory and in the cache's in-flight maps: scope, field and job ID, equal only when
/// all three are (so only when the Redis key, <see cref="ToString"/>, is), hashed once when it is made.
/// </summary>
/// <remarks>
/// The key as one string was about 150 characters: built for every lookup (a 320-byte allocation, kept by the memory
/// level with its entry) and hashed whole by every map and filter a miss passes through, nine or ten times
/// (bench/README.md, 2026-12-06 16:10). Here the scope is shared and hashed once per operation, and the rest is the
/// field's name (a constant) and the job ID the request already holds.
/// </remarks>
internal readonly struct JobKey : IEquatable<JobKey>
{
    private readonly int _hash;

    public JobKey(CacheScope scope, string field, string jobId)
    {
        Scope = scope;
        Field = field;
        JobId = jobId;
        // string.GetHashCode is randomized per process and HashCode seeded per process: keys cannot be chosen to collide.
        _hash = HashCode.Combine(scope.Hash, field.GetHashCode(StringComparison.Ordinal), jobId.GetHashCode(StringComparison.Ordinal));
    }

    public CacheScope Scope { get; }

    public string Field { get; }

    public string JobId { get; }

    public bool Equals(JobKey other) =>
        _hash == other._hash
        && string.Equals(JobId, other.JobId, StringComparison.Ordinal)
        && string.Equals(Field, other.Field, StringComparison.Ordinal)
        && Scope.Equals(other.Scope);

    public override bool Equals(object? obj) => obj is JobKey other && Equals(other);

    public override int GetHashCode() => _hash;

    /// <summary>The key as Redis stores it.</summary>
    public override string ToString() => JobCacheKeys.KeyOf(Scope.Text, Field, JobId);

    /// <summary>
    /// The same key for the Redis client, without building it: the scope's prefix bytes (one array per operation and
    /// field) followed by the job ID, which the client writes one after the other.
    /// </summary>
    public RedisKey ToRedisKey() => new RedisKey(JobId).Prepend(Scope.RedisPrefixFor(Field));
}
