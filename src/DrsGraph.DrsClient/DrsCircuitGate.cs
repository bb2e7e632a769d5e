using System.Collections.Concurrent;
using Microsoft.Extensions.Http.Resilience;
using Polly;

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
/// again once if the circuit closed meanwhile. Each DRS endpoint (region) has a breaker of its own (the
/// pipeline is selected by authority), so the gate follows one state per endpoint, keyed by <see cref="KeyOf"/>.
/// </remarks>
public sealed class DrsCircuitGate(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Circuit> _circuits = new(StringComparer.Ordinal);
    private TimeSpan _probeWait = DrsResilienceDefaults.AttemptTimeout;

    /// <summary>The key of the circuit that guards calls to <paramref name="endpoint"/>: its authority, as the pipeline is selected.</summary>
    public static string KeyOf(Uri? endpoint) => endpoint is { IsAbsoluteUri: true } uri
        ? uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped).ToLowerInvariant()
        : "";

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
            CircuitOf(args.Context).Transition(closedNow: false, time.GetUtcNow() + args.BreakDuration);
            return opened?.Invoke(args) ?? ValueTask.CompletedTask;
        };
        breaker.OnClosed = args =>
        {
            CircuitOf(args.Context).Transition(closedNow: true, DateTimeOffset.MinValue);
            return closed?.Invoke(args) ?? ValueTask.CompletedTask;
        };
    }

    /// <summary>
    /// After the breaker of <paramref name="circuitKey"/> (<see cref="KeyOf"/>) rejected a call: true when it is worth
    /// sending once more (the circuit closed since, or the probe in flight closed it), false when it is open.
    /// </summary>
    public async Task<bool> ShouldSendAgainAsync(string circuitKey, CancellationToken cancellationToken)
    {
        var next = _circuits.GetOrAdd(circuitKey, static _ => new Circuit()).NextTransition(time);
        if (next is null)
        {
            return _circuits[circuitKey].IsClosed;
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

    private Circuit CircuitOf(ResilienceContext context) =>
        _circuits.GetOrAdd(KeyOf(context.GetRequestMessage()?.RequestUri), static _ => new Circuit());

    /// <summary>One endpoint's circuit as its breaker's callbacks report it.</summary>
    private sealed class Circuit
    {
        private readonly Lock _lock = new();
        private TaskCompletionSource<bool> _next = NewTransition();
        private bool _closed = true;
        private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;

        public bool IsClosed
        {
            get
            {
                lock (_lock)
                {
                    return _closed;
                }
            }
        }

        /// <summary>The next transition to wait for, or null when there is nothing to wait for (closed, or still within the break).</summary>
        public Task<bool>? NextTransition(TimeProvider time)
        {
            lock (_lock)
            {
                // Closed: send again at once. Still within the break: no probe yet, nothing to wait for.
                return _closed || time.GetUtcNow() < _blockedUntil ? null : _next.Task;
            }
        }

        public void Transition(bool closedNow, DateTimeOffset blockedUntil)
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
}
