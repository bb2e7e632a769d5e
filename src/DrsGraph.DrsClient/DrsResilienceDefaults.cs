using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace DrsGraph.DrsClient;

/// <summary>
/// Resilience defaults tuned for the DRS batch calls; <c>Drs:Resilience</c> overrides any of them
/// (same shape as <see cref="HttpStandardResilienceOptions"/>).
/// </summary>
/// <remarks>
/// The batch POSTs only read, so retrying them is safe. The budget is sized for an interactive
/// GraphQL request: a caller waits at most <see cref="TotalTimeout"/>, not the library's 30 s.
/// </remarks>
public static class DrsResilienceDefaults
{
    public const string SectionName = "Drs:Resilience";

    /// <summary>Retries after the first attempt. 3: rides out a short burst of 5xx/429 without piling on.</summary>
    public const int MaxRetryAttempts = 3;

    /// <summary>Base of the exponential backoff (with jitter). 200 ms: batch calls are cheap and callers are waiting.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Cap on one retry delay. 4 s: longer waits cannot fit the total budget anyway. An answer whose
    /// Retry-After asks for more is not retried at all (see <see cref="GiveUpOnLongRetryAfter"/>).
    /// </summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(4);

    /// <summary>One HTTP attempt. 3 s: a healthy batch call answers in well under a second.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Everything, retries included. 8 s: two slow attempts plus backoff, then give up.</summary>
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromSeconds(8);

    /// <summary>Circuit breaker: open when half the calls fail...</summary>
    public const double FailureRatio = 0.5;

    /// <summary>
    /// ...among at least 30 attempts (the breaker sees each attempt, retries included: one operation's three batch calls
    /// make up to 12, and at 10 one request during a one-second blip opened the circuit for every caller for 15 s)...
    /// </summary>
    public const int MinimumThroughput = 30;

    /// <summary>...within 30 s (must be at least twice the attempt timeout)...</summary>
    public static readonly TimeSpan SamplingDuration = TimeSpan.FromSeconds(30);

    /// <summary>...and stay open 15 s before letting a probe through.</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(15);

    /// <summary>Applies the defaults; configuration is bound on top afterwards.</summary>
    public static void Apply(HttpStandardResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // The standard handler already retries 5xx, 408, 429, HttpRequestException and attempt timeouts.
        options.Retry.MaxRetryAttempts = MaxRetryAttempts;
        options.Retry.BackoffType = DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;
        options.Retry.Delay = RetryDelay;
        options.Retry.MaxDelay = MaxRetryDelay;
        options.Retry.ShouldRetryAfterHeader = true;

        options.AttemptTimeout.Timeout = AttemptTimeout;
        options.TotalRequestTimeout.Timeout = TotalTimeout;

        options.CircuitBreaker.FailureRatio = FailureRatio;
        options.CircuitBreaker.MinimumThroughput = MinimumThroughput;
        options.CircuitBreaker.SamplingDuration = SamplingDuration;
        options.CircuitBreaker.BreakDuration = BreakDuration;
    }

    /// <summary>
    /// Polly waits for any Retry-After, however long and on whatever retried status (a 429, but also a
    /// 503 saying when DRS will be back), and <c>MaxDelay</c> does not cap it. Waiting past
    /// <c>MaxDelay</c>, or past what is left of the call's total timeout, would only burn the caller's
    /// budget into a timeout that hides DRS's own answer, and retrying earlier than DRS asked would be
    /// refused again, so such an answer is not retried: the caller gets it at once (a 429 as
    /// Throttled, a 503 as Unavailable, with DRS's code).
    /// </summary>
    public static void GiveUpOnLongRetryAfter(HttpStandardResilienceOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var maxDelay = options.Retry.MaxDelay ?? TimeSpan.MaxValue;
        var total = options.TotalRequestTimeout.Timeout;
        var shouldHandle = options.Retry.ShouldHandle;
        options.Retry.ShouldHandle = async args =>
        {
            var limit = maxDelay;
            if (args.Context.GetRequestMessage()?.Options.TryGetValue(DrsClient.AttemptsKey, out var attempts) == true)
            {
                var left = total - Stopwatch.GetElapsedTime(attempts.Started);
                limit = left < limit ? left : limit;
            }

            return await shouldHandle(args) && !AsksToWaitLongerThan(args.Outcome.Result, limit, time);
        };
    }

    /// <summary>
    /// The breaker counts only what shows DRS itself failing: 5xx, 408, attempt timeouts and connection
    /// errors. Not 429: DRS throttles per user (APIGW.0308), and one tenant's throttling opened the shared
    /// circuit for every tenant. Each caller's 429 is handled by the retry instead (Retry-After honoured).
    /// A 3xx counts too, though it is never retried (retrying cannot make it go away): an endpoint that
    /// redirects every call is misconfigured (or not DRS), and an open circuit lets callers fail at once.
    /// </summary>
    public static void BreakOnlyOnDrsFailures(HttpStandardResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.CircuitBreaker.ShouldHandle = static args => ValueTask.FromResult(
            (HttpClientResiliencePredicates.IsTransient(args.Outcome)
                && args.Outcome.Result is not { StatusCode: HttpStatusCode.TooManyRequests })
            || args.Outcome.Result is { StatusCode: >= HttpStatusCode.Ambiguous and < HttpStatusCode.BadRequest });
    }

    private static bool AsksToWaitLongerThan(HttpResponseMessage? response, TimeSpan maxDelay, TimeProvider time)
    {
        if (response is null)
        {
            return false;
        }

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : TimeSpan.Zero);
            return wait > maxDelay;
        }

        return LongRetryAfterSeconds(response) is { } seconds && seconds > maxDelay;
    }

    /// <summary>
    /// The typed header parses delta-seconds as an int, so a Retry-After of 2^31 seconds or more is dropped as
    /// invalid and the 429 would be retried at once, against what DRS asked. Read the raw value instead: digits
    /// only, clamped to <see cref="TimeSpan.MaxValue"/>; anything else is not a Retry-After.
    /// </summary>
    internal static TimeSpan? LongRetryAfterSeconds(HttpResponseMessage response)
    {
        if (!response.Headers.NonValidated.TryGetValues("Retry-After", out var values))
        {
            return null;
        }

        foreach (var raw in values)
        {
            var text = raw.Trim();
            if (text.Length == 0 || !text.All(char.IsAsciiDigit))
            {
                continue;
            }

            // TimeSpan.MaxValue is about 9.2e11 s: more digits than that (or than a long holds) is clamped.
            var digits = text.TrimStart('0');
            if (digits.Length == 0)
            {
                return TimeSpan.Zero;
            }

            return digits.Length > 12 || long.Parse(digits, CultureInfo.InvariantCulture) is var seconds && seconds >= (long)TimeSpan.MaxValue.TotalSeconds
                ? TimeSpan.MaxValue
                : TimeSpan.FromSeconds(seconds);
        }

        return null;
    }
}
