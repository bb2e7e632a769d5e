using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.ServiceIdentity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Security;

/// <summary>
/// The limiter on the GraphQL endpoint: a token bucket per caller, then a ceiling per client address (see
/// <see cref="RateLimitSettings"/>). Callers are told apart by a keyed hash of the credential they are
/// authenticated by: their <c>X-Auth-Token</c>, or with service identities their bearer JWT (HMAC-SHA256 with <c>Gateway:Cache:KeySecret</c>, the cache's, else a random per-process secret): the
/// limiter keeps its keys in memory and logs them, and a plain hash would let anyone with the logs confirm
/// a guessed token. Requests without a token are limited by address.
/// </summary>
public sealed partial class CallerRateLimiter : PartitionedRateLimiter<HttpContext>
{
    private const string BearerPrefix = "Bearer ";

    /// <summary>The path the limiter guards; the IDE's static assets below it are not counted.</summary>
    private static readonly PathString GraphQLPath = new("/graphql");

    private static readonly object RefusedByKey = new();

    private readonly RateLimitSettings _settings;
    private readonly byte[] _secret;
    private readonly bool _serviceIdentity;
    private readonly IPNetwork[] _exempt;
    private readonly PartitionedRateLimiter<HttpContext> _callers;
    private readonly PartitionedRateLimiter<HttpContext> _addresses;

    // One line per refusal was one line per request of a client hammering the gateway (11 000 a second from one wrk):
    // the limiter that makes abuse cheap made it cost a log write each. A few lines a second, then a count.
    private const int RefusalLinesPerSecond = 10;
    private readonly Observability.LineBudget _refusalLines = new(RefusalLinesPerSecond);

    public CallerRateLimiter(IOptions<GatewaySecurityOptions> security, IOptions<JobCacheOptions> cache, IOptions<ServiceIdentityOptions> serviceIdentity)
    {
        _settings = security.Value.RateLimit;
        _serviceIdentity = serviceIdentity.Value.Enabled;
        _secret = cache.Value.KeySecret is { Length: > 0 } secret ? Encoding.UTF8.GetBytes(secret) : RandomNumberGenerator.GetBytes(32);
        _exempt = [.. _settings.ExemptAddresses.Select(entry => AddressRanges.TryParse(entry, out var network) ? network : throw new FormatException(entry))];
        var settings = _settings;
        _callers = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            settings.Enabled && IsGraphQL(context.Request.Path)
                ? RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => Bucket(settings.BurstLimit, settings.TokensPerPeriod, settings.ReplenishmentPeriod))
                : RateLimitPartition.GetNoLimiter("unlimited"));
        _addresses = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            settings.Enabled && settings.AddressBurstLimit > 0 && IsGraphQL(context.Request.Path) && AddressKey(context) is { } address
                ? RateLimitPartition.GetTokenBucketLimiter(address, _ => Bucket(settings.AddressBurstLimit, settings.AddressTokensPerPeriod, settings.ReplenishmentPeriod))
                : RateLimitPartition.GetNoLimiter("unlimited"));
    }

    /// <summary>Limit callers at all (<see cref="RateLimitSettings.Enabled"/>).</summary>
    public bool Enabled => _settings.Enabled;

    public RateLimitSettings Settings => _settings;

    /// <summary>Wires this limiter into ASP.NET Core's rate-limiting middleware, which charges one permit per request.</summary>
    public void Configure(RateLimiterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.GlobalLimiter = this;
        options.OnRejected = (context, cancellationToken) => RejectAsync(context, cancellationToken);
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => _callers.GetStatistics(resource);

    /// <summary>
    /// The caller's bucket first, then the address's: a caller over its own limit does not also spend its
    /// address's (which others behind the same NAT share), while a client rotating tokens gets fresh caller
    /// buckets and is stopped by its address's. A request asks at most a full bucket of either.
    /// </summary>
    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var caller = _callers.AttemptAcquire(resource, Math.Min(permitCount, _settings.BurstLimit));
        if (!caller.IsAcquired)
        {
            SetRefusedBy(resource, "caller");
            return caller;
        }

        var address = _addresses.AttemptAcquire(resource, Math.Min(permitCount, Math.Max(1, _settings.AddressBurstLimit)));
        if (!address.IsAcquired)
        {
            caller.Dispose();
            SetRefusedBy(resource, "address");
            return address;
        }

        address.Dispose();
        return caller;
    }

    // Never queued (QueueLimit 0): waiting would only hold connections open and hide the limit from the caller.
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _callers.Dispose();
            _addresses.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Seconds to tell a refused caller to wait: the lease's own estimate, else one period.</summary>
    public int RetryAfterSeconds(RateLimitLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : _settings.ReplenishmentPeriod;
        return Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
    }

    /// <summary>The message a refused request gets, naming the bucket that refused it.</summary>
    public string RefusalMessage(HttpContext context, int retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(context);
        var period = _settings.ReplenishmentPeriod.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        return RefusedBy(context) == "address"
            ? $"Too many requests from this client address: at most {_settings.AddressBurstLimit} at once and {_settings.AddressTokensPerPeriod} per {period} s, whatever the token. Retry after {retryAfterSeconds} s."
            : $"Too many requests from this caller: at most {_settings.BurstLimit} at once and {_settings.TokensPerPeriod} per {period} s. Retry after {retryAfterSeconds} s.";
    }

    /// <summary>Logs a refusal: the keyed partition key (never the token or a plain hash of it) and the address.</summary>
    public void LogRefusal(ILogger logger, HttpContext context, int permits, int retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(context);
        if (!_refusalLines.TryTake(out var unlogged))
        {
            return;
        }

        var bucket = RefusedBy(context);
        var partition = PartitionKey(context);
        var address = AddressKey(context) ?? "exempt or unknown";
        if (unlogged == 0)
        {
            LogRejected(logger, bucket, partition, address, permits, retryAfterSeconds);
        }
        else
        {
            LogRejectedAfterUnlogged(logger, bucket, partition, address, permits, retryAfterSeconds, unlogged, RefusalLinesPerSecond);
        }
    }

    private static string RefusedBy(HttpContext context)
    {
        var items = context.Items;
        lock (items)
        {
            return items.TryGetValue(RefusedByKey, out var bucket) && bucket is string name ? name : "caller";
        }
    }

    // Locked: a WebSocket's operations are charged concurrently against its upgrade's context.
    private static void SetRefusedBy(HttpContext context, string bucket)
    {
        var items = context.Items;
        lock (items)
        {
            items[RefusedByKey] = bucket;
        }
    }

    private static TokenBucketRateLimiterOptions Bucket(int size, int perPeriod, TimeSpan period) => new()
    {
        TokenLimit = size,
        TokensPerPeriod = perPeriod,
        ReplenishmentPeriod = period,
        AutoReplenishment = true,
        QueueLimit = 0,
    };

    private static bool IsGraphQL(PathString path) => path.Equals(GraphQLPath, StringComparison.OrdinalIgnoreCase)
        || path.Equals(GraphQLPath.Add("/"), StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <c>t:</c> + the first 128 bits of HMAC-SHA256(secret, token), or <c>ip:</c> + the client address. The token
    /// (<see cref="CallerToken(IHeaderDictionary, bool)"/>)
    /// is the caller's (<see cref="CallerHeaders.Of"/>): a WebSocket's operations are keyed by the token of its
    /// <c>connection_init</c>, as its per-caller connection count is.
    /// </summary>
    internal string PartitionKey(HttpContext context)
    {
        var token = CallerToken(CallerHeaders.Of(context), _serviceIdentity);
        if (token.Length > 0)
        {
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(token), mac);
            return "t:" + Convert.ToHexStringLower(mac[..16]);
        }

        return "ip:" + (AddressKey(context) ?? "unknown");
    }

    /// <summary>
    /// What identifies a caller: the credential its operations are authenticated by, and nothing else, or a caller
    /// could escape its bucket by varying a header the gateway ignores. With service identities
    /// (<paramref name="serviceIdentity"/>) that is the bearer JWT (the <c>Authorization</c> header's token, without
    /// the scheme or spaces the resolver ignores too: "bearer  x" is the same caller as "Bearer x"); an
    /// <c>X-Auth-Token</c> is ignored there, as the resolver ignores it. Without them it is the <c>X-Auth-Token</c>,
    /// passed through to DRS. Empty (the address's bucket) when the caller sends no such credential.
    /// </summary>
    internal static string CallerToken(IHeaderDictionary headers, bool serviceIdentity)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return serviceIdentity ? BearerToken(headers.Authorization.ToString()) : AuthToken(headers);
    }

    // Trimmed as the caller resolver trims it (.NET's whitespace, \v and \f included, which Kestrel keeps): every
    // spelling of one token is one caller, not a fresh bucket each.
    private static string AuthToken(IHeaderDictionary headers) => headers[CallerContextBuilder.AuthTokenHeader].ToString().Trim();

    // The JWT without its scheme, blanks, or trailing base64 padding on its signature (the validator accepts "sig=" as
    // "sig"): one token, one bucket.
    private static string BearerToken(string authorization)
    {
        var token = authorization.Trim();
        if (token.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            token = token[BearerPrefix.Length..].Trim();
        }

        return token.TrimEnd('=');
    }

    /// <summary>
    /// For hosts without the gateway's settings (endpoint tests): whichever credential the caller sent, the
    /// <c>X-Auth-Token</c> first.
    /// </summary>
    internal static string CallerToken(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var token = AuthToken(headers);
        return token.Length > 0 ? token : BearerToken(headers.Authorization.ToString());
    }

    /// <summary>
    /// The client's address as the per-address ceiling counts it (after the forwarded-headers middleware,
    /// when proxies are trusted): IPv4 as is, IPv6 by its /64. Null when exempt or unknown.
    /// </summary>
    internal string? AddressKey(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } address)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var exempt in _exempt)
        {
            if (exempt.Contains(address))
            {
                return null;
            }
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? new IPNetwork(Prefix64(address), 64).ToString()
            : address.ToString();
    }

    private static IPAddress Prefix64(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    private async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var seconds = RetryAfterSeconds(rejected.Lease);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        response.ContentType = "application/json; charset=utf-8";
        LogRefusal(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<CallerRateLimiter>(), context, 1, seconds);

        // GraphQL-shaped, so clients that only read `errors` still learn what happened and when to retry.
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteStartArray("errors");
        writer.WriteStartObject();
        writer.WriteString("message", RefusalMessage(context, seconds));
        writer.WriteStartObject("extensions");
        writer.WriteString("code", GatewayErrorCodes.RateLimited);
        writer.WriteNumber("retryAfterSeconds", seconds);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rate limited by the {Bucket} bucket: caller {Partition} at {ClientAddress} asked {Permits} permits; told to retry after {RetryAfterSeconds} s")]
    private static partial void LogRejected(ILogger logger, string bucket, string partition, string clientAddress, int permits, int retryAfterSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rate limited by the {Bucket} bucket: caller {Partition} at {ClientAddress} asked {Permits} permits; told to retry after {RetryAfterSeconds} s ({Unlogged} more refusals since the last such line were not logged: at most {LinesPerSecond} lines a second)")]
    private static partial void LogRejectedAfterUnlogged(ILogger logger, string bucket, string partition, string clientAddress, int permits, int retryAfterSeconds, long unlogged, int linesPerSecond);
}
