using System.Collections.Concurrent;
using DrsGraph.DrsClient;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// The DRS client's circuit-breaker states, as reported by the breakers' own callbacks: one per DRS endpoint
/// (each region has its own pipeline and breaker). Read by the readiness check; written only by
/// <see cref="Observe"/>'s callbacks.
/// </summary>
public sealed partial class UpstreamCircuitState(TimeProvider timeProvider, ILogger<UpstreamCircuitState> logger)
{
    private static readonly Snapshot Initial = new(CircuitState.Closed, null, null);

    private readonly ConcurrentDictionary<string, Snapshot> _byEndpoint = new(StringComparer.Ordinal);

    /// <summary>
    /// The worst state among the endpoints (open, then half-open, then closed), when it was entered (null: never
    /// changed), and for how long an open circuit stays open.
    /// </summary>
    public Snapshot Current => _byEndpoint.Values.Aggregate(Initial, static (worst, s) => Severity(s.State) > Severity(worst.State) ? s : worst);

    /// <summary>The endpoints (as their circuits are keyed) whose circuits are not closed, in order: which region's DRS is failing.</summary>
    public IReadOnlyList<string> NotClosedEndpoints =>
        [.. _byEndpoint.Where(pair => pair.Value.State != CircuitState.Closed).Select(pair => pair.Key).Order(StringComparer.Ordinal)];

    /// <summary>Hooks the breaker's callbacks, keeping any that were already set.</summary>
    public void Observe(HttpCircuitBreakerStrategyOptions breaker)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        var opened = breaker.OnOpened;
        var closed = breaker.OnClosed;
        var halfOpened = breaker.OnHalfOpened;
        breaker.OnOpened = args =>
        {
            var endpoint = Set(args.Context, CircuitState.Open, args.BreakDuration);
            LogOpened(logger, endpoint, args.BreakDuration);
            return opened?.Invoke(args) ?? ValueTask.CompletedTask;
        };
        breaker.OnClosed = args =>
        {
            var endpoint = Set(args.Context, CircuitState.Closed, null);
            LogClosed(logger, endpoint);
            return closed?.Invoke(args) ?? ValueTask.CompletedTask;
        };
        breaker.OnHalfOpened = args =>
        {
            Set(args.Context, CircuitState.HalfOpen, null);
            return halfOpened?.Invoke(args) ?? ValueTask.CompletedTask;
        };
    }

    private string Set(ResilienceContext context, CircuitState state, TimeSpan? breakDuration)
    {
        var endpoint = DrsCircuitGate.KeyOf(context.GetRequestMessage()?.RequestUri);
        _byEndpoint[endpoint] = new Snapshot(state, timeProvider.GetUtcNow(), breakDuration);
        return endpoint;
    }

    private static int Severity(CircuitState state) => state switch
    {
        CircuitState.Closed => 0,
        CircuitState.HalfOpen => 1,
        _ => 2,
    };

    public sealed record Snapshot(CircuitState State, DateTimeOffset? Since, TimeSpan? BreakDuration);

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "DRS circuit of {Endpoint} opened: calls to it fail at once for {BreakDuration}.")]
    private static partial void LogOpened(ILogger logger, string endpoint, TimeSpan breakDuration);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "DRS circuit of {Endpoint} closed: it answers again.")]
    private static partial void LogClosed(ILogger logger, string endpoint);
}
