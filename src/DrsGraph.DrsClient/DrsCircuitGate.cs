using Microsoft.Extensions.Http.Resilience;

namespace DrsGraph.DrsClient;

/// <summary>
/// Follows the DRS circuit breaker through its callbacks, so that a call the breaker rejects while
/// its half-open probe is in flight can wait for the probe's outcome instead of failing.
/// </summary>
/// <remarks>
/// Half-open, the breaker lets exactly one call through and rejects every other at once. One GraphQL
/// operation asks DRS for status, progress and detail (and a long ID list for several chunks of each)
/// at the same moment, so the first request after a break, with DRS healthy again, had two of its
/// three fields fail <c>CIRCUIT_OPEN</c>. Chosen over one breaker per endpoint: that would still fail
/// the other chunks of a long list, would need three times the failures to notice DRS is down (all
/// three endpoints are the same service), and would split the single state readiness reports.
/// A rejected call waits at most one attempt timeout (how long the probe can take), then is sent
/// again once if the circuit closed meanwhile.
/// </remarks>
public sealed class DrsCircuitGate(TimeProvider time)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource<bool> _next = NewTransition();
    private bool _closed = true;
    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;
    private TimeSpan _probeWait = DrsResilienceDefaults.AttemptTimeout;

    /// <summary>Hooks the breaker's callbacks, keeping any that were already set.</summary>
    public void Observe(HttpStandardResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var breaker = options.CircuitBreaker;
        _probeWait = options.AttemptTimeout.Timeout;
        var opened = breaker.OnOpened;
        var closed = breaker.OnClosed;
        breaker.OnOpened = args =>
        {
            Transition(closedNow: false, time.GetUtcNow() + args.BreakDuration);
            return opened?.Invoke(args) ?? ValueTask.CompletedTask;
        };
        breaker.OnClosed = args =>
        {
            Transition(closedNow: true, DateTimeOffset.MinValue);
            return closed?.Invoke(args) ?? ValueTask.CompletedTask;
        };
    }

    /// <summary>
    /// After the breaker rejected a call: true when it is worth sending once more (the circuit closed
    /// since, or the probe in flight closed it), false when it is open.
    /// </summary>
    public async Task<bool> ShouldSendAgainAsync(CancellationToken cancellationToken)
    {
        Task<bool> next;
        lock (_lock)
        {
            if (_closed)
            {
                return true;
            }

            if (time.GetUtcNow() < _blockedUntil)
            {
                // Still within the break: no probe yet, nothing to wait for.
                return false;
            }

            next = _next.Task;
        }

        try
        {
            return await next.WaitAsync(_probeWait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void Transition(bool closedNow, DateTimeOffset blockedUntil)
    {
        TaskCompletionSource<bool> reached;
        lock (_lock)
        {
            _closed = closedNow;
            _blockedUntil = blockedUntil;
            reached = _next;
            _next = NewTransition();
        }

        reached.TrySetResult(closedNow);
    }

    private static TaskCompletionSource<bool> NewTransition() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
