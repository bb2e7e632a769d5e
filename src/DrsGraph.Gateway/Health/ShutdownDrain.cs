using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// Counts the requests in flight and, when <c>Gateway:Shutdown:Timeout</c> runs out during a shutdown with some still
/// running, logs one line saying how many: Kestrel then resets them, and says so only at Debug, so a drain cut short
/// (a timeout shorter than a request's budget, a stuck stream) went unnoticed.
/// </summary>
/// <remarks>
/// A hosted lifecycle service for its <see cref="StoppingAsync"/>: the host hands it, before stopping any service (Kestrel
/// included: its service is registered last, so it stops first), the token it cancels when the shutdown timeout runs out,
/// the same one that makes Kestrel reset what is left.
/// </remarks>
public sealed partial class ShutdownDrain(IOptions<ShutdownOptions> options, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    private int _inFlight;
    private int _reported;
    private int _endedAfterTimeout;
    private CancellationToken _drainEnded = new(canceled: false);

    /// <summary>Requests being served now (WebSockets and event streams included).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Counts <paramref name="context"/>'s request while <paramref name="next"/> serves it.</summary>
    public async Task CountAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(next);
        Interlocked.Increment(ref _inFlight);
        try
        {
            await next(context);
        }
        finally
        {
            // Still running when the drain ran out: reset by Kestrel (or just finishing) as the shutdown goes on.
            if (_drainEnded.IsCancellationRequested)
            {
                Interlocked.Increment(ref _endedAfterTimeout);
            }

            Interlocked.Decrement(ref _inFlight);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        // Counted when they end, and said once the host has stopped: read when the timeout fired, the count raced Kestrel,
        // whose own callback on the same token (registered later, so run first) could end the requests before it was read.
        _drainEnded = cancellationToken;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        // Once: a host stopped again (disposed after its stop) must not report the same requests twice.
        if (_drainEnded.IsCancellationRequested && Volatile.Read(ref _endedAfterTimeout) + InFlight is var cut and > 0
            && Interlocked.Exchange(ref _reported, 1) == 0)
        {
            LogCutShort(logger, options.Value.Timeout.TotalSeconds, cut);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 160, Level = LogLevel.Warning, Message = "Shutdown: Gateway:Shutdown:Timeout ({TimeoutSeconds} s) ran out with {Requests} requests still running; they are reset")]
    private static partial void LogCutShort(ILogger logger, double timeoutSeconds, int requests);
}
