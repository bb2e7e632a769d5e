using Microsoft.Extensions.Http.Resilience;
using Polly.CircuitBreaker;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// The DRS client's circuit-breaker state, as reported by the breaker's own callbacks. Read by the
/// readiness check; written only by <see cref="Observe"/>'s callbacks.
/// </summary>
public sealed partial class UpstreamCircuitState(TimeProvider timeProvider, ILogger<UpstreamCircuitState> logger)
{
    private volatile Snapshot _current = new(CircuitState.Closed, null, null);

    /// <summary>The state now, when it was entered (null: never changed), and for how long an open circuit stays open.</summary>
    public Snapshot Current => _current;

    /// <summary>Hooks the breaker's callbacks, keeping any that were already set.</summary>
    public void Observe(HttpCircuitBreakerStrategyOptions breaker)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        var opened = breaker.OnOpened;
        var closed = breaker.OnClosed;
        var halfOpened = breaker.OnHalfOpened;
        breaker.OnOpened = args =>
        {
            Set(CircuitState.Open, args.BreakDuration);
            LogOpened(logger, args.BreakDuration);
            return opened?.Invoke(args) ?? ValueTask.CompletedTask;
        };
        breaker.OnClosed = args =>
        {
            Set(CircuitState.Closed, null);
            LogClosed(logger);
            return closed?.Invoke(args) ?? ValueTask.CompletedTask;
        };
        breaker.OnHalfOpened = args =>
        {
            Set(CircuitState.HalfOpen, null);
            return halfOpened?.Invoke(args) ?? ValueTask.CompletedTask;
        };
    }

    private void Set(CircuitState state, TimeSpan? breakDuration) => _current = new Snapshot(state, timeProvider.GetUtcNow(), breakDuration);

    public sealed record Snapshot(CircuitState State, DateTimeOffset? Since, TimeSpan? BreakDuration);

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "DRS circuit opened: calls to DRS fail at once for {BreakDuration}.")]
    private static partial void LogOpened(ILogger logger, TimeSpan breakDuration);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "DRS circuit closed: DRS answers again.")]
    private static partial void LogClosed(ILogger logger);
}
