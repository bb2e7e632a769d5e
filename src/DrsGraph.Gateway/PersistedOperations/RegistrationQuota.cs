using System.Threading.RateLimiting;
using DrsGraph.Gateway.Security;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>
/// How much new document text one caller, and one client address, may register per hour
/// (<see cref="PersistedOperationsOptions.RegistrationKilobytesPerCallerPerHour"/>,
/// <see cref="PersistedOperationsOptions.RegistrationKilobytesPerAddressPerHour"/>). Each registration is a request the
/// rate limiter counts, but a Redis key that lives for <see cref="PersistedOperationsOptions.RedisTtl"/>: without this,
/// one address could write its whole request rate of 64 K-character documents into Redis for a week. A frontend registers
/// its few hundred KB of operations once; past the quota a document still runs, it is only not stored (its client sends
/// the text again next time, as after an eviction).
/// </summary>
/// <remarks>
/// Callers and addresses are told apart as the rate limiter tells them apart (<see cref="CallerRateLimiter.PartitionKey"/>,
/// <see cref="CallerRateLimiter.AddressKey"/>: keyed hashes of tokens, IPv6 by /64, exempt addresses not counted). The
/// buckets are per replica and refill a sixtieth of the hour's allowance every minute. The caller's bucket is charged
/// first, as the rate limiter's is: a document its address then refuses has still spent the caller's share (a token
/// bucket's lease cannot be given back), which only errs on the side of storing less.
/// </remarks>
public sealed class RegistrationQuota : IDisposable
{
    private readonly CallerRateLimiter _keys;
    private readonly int _callerKilobytes;
    private readonly int _addressKilobytes;
    // Null: that allowance is 0, no limit.
    private readonly PartitionedRateLimiter<string>? _callers;
    private readonly PartitionedRateLimiter<string>? _addresses;

    public RegistrationQuota(IOptions<PersistedOperationsOptions> options, CallerRateLimiter keys)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = keys;
        _callerKilobytes = options.Value.RegistrationKilobytesPerCallerPerHour;
        _addressKilobytes = options.Value.EffectiveRegistrationKilobytesPerAddressPerHour;
        _callers = Buckets(_callerKilobytes);
        _addresses = Buckets(_addressKilobytes);
    }

    /// <summary>
    /// Charges a new document of <paramref name="characters"/> to its caller and its address. Null when granted, else which
    /// allowance was spent (for the log line).
    /// </summary>
    public string? TryCharge(HttpContext context, int characters)
    {
        ArgumentNullException.ThrowIfNull(context);
        var kilobytes = Math.Max(1, (int)((characters + 1023L) / 1024));
        if (_callers is { } callers)
        {
            using var caller = callers.AttemptAcquire(_keys.PartitionKey(context), Math.Min(kilobytes, _callerKilobytes));
            if (!caller.IsAcquired)
            {
                return $"this caller registered {_callerKilobytes} KB in the last hour ({PersistedOperationsOptions.SectionName}:RegistrationKilobytesPerCallerPerHour)";
            }
        }

        if (_addresses is { } addresses && _keys.AddressKey(context) is { } address)
        {
            using var lease = addresses.AttemptAcquire(address, Math.Min(kilobytes, _addressKilobytes));
            if (!lease.IsAcquired)
            {
                return $"this client address registered {_addressKilobytes} KB in the last hour ({PersistedOperationsOptions.SectionName}:RegistrationKilobytesPerAddressPerHour)";
            }
        }

        return null;
    }

    public void Dispose()
    {
        _callers?.Dispose();
        _addresses?.Dispose();
    }

    private static PartitionedRateLimiter<string>? Buckets(int kilobytesPerHour) => kilobytesPerHour <= 0 ? null :
        PartitionedRateLimiter.Create<string, string>(key =>
            RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = kilobytesPerHour,
                TokensPerPeriod = Math.Max(1, kilobytesPerHour / 60),
                ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                AutoReplenishment = true,
                QueueLimit = 0,
            }));
}
