using System.Globalization;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.Limits;
using DrsGraph.Gateway.ResponseCaching;
using GraphQL;

namespace DrsGraph.Gateway.Security;

/// <summary>
/// Charges each GraphQL operation what it costs: one permit, plus one per
/// <see cref="RateLimitSettings.JobsPerPermit"/> job IDs it names, so a batch of ten operations over 150
/// jobs is not charged like a one-job query.
/// </summary>
/// <remarks>
/// Charged in two steps, on purpose. The HTTP middleware charges one permit before the body is read: a
/// client over its limit costs us nothing more. The rest is charged here, per operation, once the
/// document is parsed (and its size limits passed): only then are the operations and their job IDs
/// known exactly (literal lists, variables, fragments, aliases), and parsing the body a second time
/// at the HTTP layer would cost more than it saves. An operation whose charge is refused does not run
/// and answers <c>RATE_LIMITED</c>; when every operation of a request is refused the answer is HTTP 429,
/// as it would have been at the door.
/// </remarks>
public static partial class RequestCost
{
    public static async Task<ExecutionResult> ChargeAsync(ExecutionOptions options, Func<ExecutionOptions, Task<ExecutionResult>> next)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(next);
        var services = options.RequestServices;
        if (services?.GetService<CallerRateLimiter>() is not { Enabled: true } limiter
            || services.GetService<IHttpContextAccessor>()?.HttpContext is not { } context)
        {
            return await next(options);
        }

        // At most a full bucket (the smaller of the caller's and the address's): a charge above what a bucket holds
        // could never be granted, and the caller would be told to retry forever.
        var settings = limiter.Settings;
        var fullBucket = settings.AddressBurstLimit > 0 ? Math.Min(settings.BurstLimit, settings.AddressBurstLimit) : settings.BurstLimit;
        var shape = services.GetService<DocumentShape>();
        double CountJobIds() => options.Document is null || shape is null ? 0 : shape.CountJobIds(options.Document, options.OperationName, options.Variables);
        // A request the answer cache has kept an answer for was counted then: same document, operation and variables.
        var jobs = context.Features.Get<ResponseCacheRequest>() is { } caching ? caching.JobIdsOf(options.Query, CountJobIds) : CountJobIds();
        var permits = Math.Min(PermitsOf(jobs, settings.JobsPerPermit), fullBucket);
        // A WebSocket's operations each stand alone (they share the upgrade's context, not one charge).
        var batched = !context.WebSockets.IsWebSocketRequest;
        var charge = context.Features.Get<Charge>();
        if (charge is null)
        {
            // An HTTP request's operations run one after another: the first one sets the request's charge.
            charge = new Charge { DoorPermit = 1 };
            context.Features.Set(charge);
        }

        // The first operation's first permit was charged by the middleware at the door: it is part of the full
        // bucket above, so what is asked here fits in what the door left of it.
        var doorPermit = Interlocked.Exchange(ref charge.DoorPermit, 0) == 1;
        if (doorPermit)
        {
            permits--;
            charge.Charged = 1;
        }

        var operation = Interlocked.Increment(ref charge.Operations);

        // A batch's operations are charged together: one that would take the request past a full bucket could never be
        // granted however long the caller waits, so it is refused as too expensive for one request, not RATE_LIMITED.
        if (batched && charge.Charged + permits > fullBucket)
        {
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<CallerRateLimiter>();
            LogTooExpensive(logger, operation, charge.Charged, permits, fullBucket);
            return new ExecutionResult
            {
                Errors =
                [
                    new LoggedExecutionError(
                        $"This batch needs more than a full rate-limit bucket ({fullBucket} permits): the operations before this one took {charge.Charged} and this one needs {permits}. Send it in another request.")
                    {
                        Code = GatewayErrorCodes.BatchTooExpensive,
                    },
                ],
            };
        }

        if (permits <= 0)
        {
            return await next(options);
        }

        using var lease = limiter.AttemptAcquire(context, permits);
        if (lease.IsAcquired)
        {
            if (batched)
            {
                charge.Charged += permits;
            }

            return await next(options);
        }

        var seconds = limiter.RetryAfterSeconds(lease);
        limiter.LogRefusal(services.GetRequiredService<ILoggerFactory>().CreateLogger<CallerRateLimiter>(), context, permits, seconds);
        // A WebSocket's operations run after its upgrade was answered: no status or header can be set any more.
        if (Interlocked.Increment(ref charge.Refused) == 1 && !context.Response.HasStarted)
        {
            context.Response.OnStarting(() =>
            {
                // Nothing of the request ran: the same answer as a refusal at the door.
                if (charge.Refused == charge.Operations && context.Response.StatusCode < StatusCodes.Status500InternalServerError)
                {
                    context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                }

                return Task.CompletedTask;
            });
        }

        if (!context.Response.HasStarted)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        var error = new LoggedExecutionError($"{limiter.RefusalMessage(context, seconds)} This operation names {permits + (doorPermit ? 1 : 0)} permits' worth of work (1 + 1 per {limiter.Settings.JobsPerPermit} job IDs).")
        {
            Code = GatewayErrorCodes.RateLimited,
        };
        error.Data["retryAfterSeconds"] = seconds;
        return new ExecutionResult { Errors = [error] };
    }

    /// <summary>
    /// 1 + (<paramref name="jobs"/>: job IDs named by the operation, <see cref="DocumentShape.CountJobIds"/>) / <paramref name="jobsPerPermit"/>.
    /// A field's IDs or page count at most what it accepts (<see cref="ListSizes.MaxJobIdsKey"/>): more is refused by
    /// the field itself, with its own code, before any job is loaded.
    /// </summary>
    private static int PermitsOf(double jobs, int jobsPerPermit) => (int)Math.Min(1_000_000, 1 + Math.Floor(jobs / jobsPerPermit));

    /// <summary>
    /// Gives a WebSocket its charge before its operations start. They run concurrently on the upgrade's context, and an
    /// HttpContext is not thread-safe: a feature set by one of them (as an HTTP request's first operation sets its
    /// charge) would change the feature collection under the others, whose typed accessors (RequestServices, ...) could
    /// then read null. Called once, from the socket's own loop, before any operation runs.
    /// </summary>
    public static void PrepareWebSocket(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Features.Set(new Charge { DoorPermit = 1 });
    }

    /// <summary>What one HTTP request (or WebSocket) has been charged so far, across its operations.</summary>
    /// <remarks>Fields, changed with Interlocked: a WebSocket's operations share it and run concurrently.</remarks>
    private sealed class Charge
    {
        /// <summary>1 until an operation takes the permit the door charged for the request.</summary>
        public int DoorPermit;

        public int Operations;

        /// <summary>Permits granted to this HTTP request so far, the door's included (not counted for WebSockets).</summary>
        public int Charged;

        public int Refused;
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Batch operation {Index} refused: it needs {Permits} permits after {Charged} were charged to its request, past a full bucket of {FullBucket}")]
    private static partial void LogTooExpensive(ILogger logger, int index, int charged, int permits, int fullBucket);
}
