using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// The estimated answer fields of all operations executing at once in this process, bounded by
/// <c>Gateway:Limits:MaxResultFieldsInFlight</c>: an operation waits, in arrival order, until its estimate fits.
/// </summary>
/// <remarks>
/// <c>MaxResultFields</c> bounds one request, not the process: executing costs about a kilobyte of memory per answer
/// field at its peak (GraphQL.NET's nodes, the loaders' results, the answer), so three requests of 200 000 fields each,
/// 40 KB of query text apiece, ended a gateway with a 384 MB heap (the shipped Kubernetes limit is 512Mi). Here they
/// run one after another, while small operations (a 20-job query is a few hundred fields; up to 1 % of the budget) pass
/// at once whenever they fit, even past large ones waiting. An estimate larger than the whole budget is taken as the
/// whole budget: it runs alone.
/// </remarks>
public sealed partial class ResultFieldsInFlight(IOptions<QueryLimitOptions> options, ILogger<ResultFieldsInFlight>? logger = null)
{
    private readonly long _capacity = options.Value.MaxResultFieldsInFlight;
    // A client can send large operations at will: at most 10 lines a second, the next saying how many were not written.
    private readonly Observability.LineBudget _refusalLines = new(10);
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private long _inUse;

    /// <summary>Estimated fields of the operations executing now (for tests and diagnostics).</summary>
    public long InUse
    {
        get
        {
            lock (_lock)
            {
                return _inUse;
            }
        }
    }

    /// <summary>
    /// Room for <paramref name="estimate"/> fields, held until the lease is disposed; null when none came free within
    /// <paramref name="wait"/>. Throws when <paramref name="cancellationToken"/> is cancelled (the client went away).
    /// </summary>
    public async Task<IDisposable?> AcquireAsync(double estimate, TimeSpan wait, CancellationToken cancellationToken) =>
        TryAcquire(estimate) ?? await WaitAsync(NeedOf(estimate), wait, cancellationToken);

    /// <summary>Room for <paramref name="estimate"/> fields at once, or null when it would have to wait (nothing is queued).</summary>
    public IDisposable? TryAcquire(double estimate)
    {
        var need = NeedOf(estimate);
        lock (_lock)
        {
            // A small operation that fits runs even while large ones wait: in arrival order behind them, one client's
            // queue of large operations would hold every ordinary query for its whole budget (and refuse it).
            if ((_waiting.Count == 0 || need <= _capacity / 100) && _inUse + need <= _capacity)
            {
                _inUse += need;
                return new Lease(this, need);
            }
        }

        return null;
    }

    private long NeedOf(double estimate) => (long)Math.Clamp(Math.Ceiling(estimate), 1, _capacity);

    private async Task<IDisposable?> WaitAsync(long need, TimeSpan wait, CancellationToken cancellationToken)
    {
        Waiter waiter;
        LinkedListNode<Waiter> node;
        lock (_lock)
        {
            if (_waiting.Count == 0 && _inUse + need <= _capacity)
            {
                // Room came free since TryAcquire.
                _inUse += need;
                return new Lease(this, need);
            }

            waiter = new Waiter(need);
            node = _waiting.AddLast(waiter);
        }

        try
        {
            await waiter.Granted.Task.WaitAsync(wait, cancellationToken);
            return new Lease(this, need);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            lock (_lock)
            {
                if (!waiter.Granted.Task.IsCompleted)
                {
                    // Gave up before its turn: out of the queue, and those behind it may now fit.
                    _waiting.Remove(node);
                    GrantWaiting();
                    if (exception is OperationCanceledException)
                    {
                        throw;
                    }

                    LogRefused(need, wait);
                    return null;
                }
            }

            // Granted as it gave up: the room is its own to give back.
            Release(need);
            cancellationToken.ThrowIfCancellationRequested();
            LogRefused(need, wait);
            return null;
        }
    }

    /// <summary>One line per operation refused for lack of room (the caller's budget ending the wait is logged by the caller).</summary>
    internal void LogRefused(long need, TimeSpan wait)
    {
        if (logger is null || !_refusalLines.TryTake(out var unlogged))
        {
            return;
        }

        long inUse, waiting;
        lock (_lock)
        {
            (inUse, waiting) = (_inUse, _waiting.Count);
        }

        Refused(logger, need, wait.TotalMilliseconds, _capacity, inUse, waiting, unlogged);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "An operation of about {Fields} answer fields got no room within {WaitMs:0} ms under Gateway:Limits:MaxResultFieldsInFlight ({Capacity}; {InUse} in use, {Waiting} waiting): answered SERVER_BUSY ({Unlogged} more refusals not logged since the last line)")]
    private static partial void Refused(ILogger logger, long fields, double waitMs, long capacity, long inUse, long waiting, long unlogged);

    private void Release(long count)
    {
        lock (_lock)
        {
            _inUse -= count;
            GrantWaiting();
        }
    }

    // In arrival order: a large operation waiting is not overtaken for ever by small ones that keep fitting.
    private void GrantWaiting()
    {
        while (_waiting.First is { } first && _inUse + first.Value.Need <= _capacity)
        {
            _waiting.RemoveFirst();
            _inUse += first.Value.Need;
            first.Value.Granted.TrySetResult();
        }
    }

    private sealed class Waiter(long need)
    {
        public long Need { get; } = need;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lease(ResultFieldsInFlight owner, long count) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(count);
            }
        }
    }
}
