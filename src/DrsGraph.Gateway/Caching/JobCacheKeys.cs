using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using DrsGraph.DrsClient;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Caching;

/// <summary>
/// Cache keys that keep tenants apart:
/// <c>{prefix}:v2:{endpoint:project:partition:language}:{field}:{jobId}</c>, where <c>endpoint</c> is
/// a hash of the DRS base URL of the caller's region (so each region has entries, single-flight and pollers of its
/// own) and <c>partition</c> an HMAC-SHA256 of the caller's token (or
/// <c>project</c> when <see cref="CachePartition.Project"/> is chosen). The token itself is never part
/// of a key. The braces are a Redis Cluster hash tag: all keys of one batch live on one node, so one
/// MGET reads them.
/// </summary>
public sealed class JobCacheKeys
{
    // Bump when the stored shape changes, so a rolling deploy never reads the other version's entries.
    // v2: values sealed (RedisSeal).
    private const string Version = "v2";

    private readonly byte[] _secret;
    private readonly CachePartition _partition;
    private readonly string _prefix;
    private readonly IDrsEndpointProvider _endpoint;
    private readonly ConditionalWeakTable<DrsCaller, CacheScope> _scopes = [];
    private readonly ConditionalWeakTable<DrsCaller, CacheScope>.CreateValueCallback _newScope;
    private readonly ConcurrentDictionary<Uri, string> _endpointHashes = new();

    public JobCacheKeys(IOptions<JobCacheOptions> options, IDrsEndpointProvider endpoint)
    {
        var value = options.Value;
        _secret = value.KeySecret is { Length: > 0 } secret ? Encoding.UTF8.GetBytes(secret) : RandomNumberGenerator.GetBytes(32);
        UsesRandomSecret = value.KeySecret is not { Length: > 0 };
        Seal = new RedisSeal(_secret);
        _partition = value.Partition;
        _prefix = value.KeyPrefix;
        _endpoint = endpoint;
        _newScope = caller => new CacheScope(BuildScope(caller));
    }

    /// <summary>True when no <c>KeySecret</c> is configured: keys differ from every other process's.</summary>
    public bool UsesRandomSecret { get; }

    /// <summary>Whether keys are split by token or shared by a project's callers (<c>Gateway:Cache:Partition</c>).</summary>
    public CachePartition Partition => _partition;

    /// <summary>Seals what is written to Redis under these keys, with the same secret (<see cref="RedisSeal"/>).</summary>
    public RedisSeal Seal { get; }

    /// <summary>The part of every key shared by one caller's lookups (memoized per caller object: one per operation).</summary>
    public string ScopeOf(DrsCaller caller) => KeyScopeOf(caller).Text;

    /// <summary><see cref="ScopeOf"/> with its hash, for the keys the job cache builds in memory (<see cref="JobKey"/>).</summary>
    internal CacheScope KeyScopeOf(DrsCaller caller) => _scopes.GetValue(caller, _newScope);

    /// <summary>
    /// The scope of a subscription poll: like <see cref="ScopeOf"/>, but always split by token (keyed hash),
    /// whatever <see cref="CachePartition"/> says. A poll is made with one caller's token, so what it finds,
    /// and DRS refusing that token, belong to that token's subscribers alone.
    /// </summary>
    public string PollScopeOf(DrsCaller caller) => BuildScope(caller, byToken: true);

    /// <summary>Who a caller is for per-caller limits: the keyed hash of its token, never the token.</summary>
    public string CallerKeyOf(DrsCaller caller) => "t." + TokenHash(caller.PartitionKey);

    /// <summary>The key of one job field within a scope, as Redis stores it (<see cref="JobKey.ToString"/>).</summary>
    public static string KeyOf(string scope, string field, string jobId) => string.Concat(scope, field, ":", jobId);

    private string BuildScope(DrsCaller caller) => BuildScope(caller, byToken: _partition == CachePartition.Token);

    private string BuildScope(DrsCaller caller, bool byToken)
    {
        // PartitionKey: the token, or the identity of the credential the gateway holds (service identities), so
        // entries follow what DRS saw, never the caller's JWT.
        var partition = byToken ? "t." + TokenHash(caller.PartitionKey) : "project";
        // DRS answers en-us when no language is sent, so both share entries.
        var language = caller.Language ?? "en-us";
        return $"{_prefix}:{Version}:{{{EndpointHash(caller.Endpoint ?? _endpoint.BaseAddress)}:{caller.ProjectId}:{partition}:{language}}}:";
    }

    private string TokenHash(string token)
    {
        // 128 bits of a keyed hash: unguessable without the secret, so Redis contents do not reveal or confirm tokens.
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(token), mac);
        return Convert.ToHexStringLower(mac[..16]);
    }

    private string EndpointHash(Uri uri)
    {
        // Two DRS regions (or an emulator and a real DRS) can hold the same job ID and project: keep them apart.
        // Memoized per endpoint: a handful of configured regions.
        return _endpointHashes.GetOrAdd(uri, static uri =>
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(uri.AbsoluteUri.TrimEnd('/').ToLowerInvariant()))[..8]));
    }
}
