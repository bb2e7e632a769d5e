using GraphQL;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// One subscriber of a scope's poller: the jobs it watches, what it selected, and its observer. Returned to
/// the subscriber as the handle that unsubscribes. Observer calls are serialized and end at the first
/// completion, so a transport never sees an event after <c>OnCompleted</c>.
/// </summary>
internal sealed class JobWatch(IReadOnlyList<string> ids, JobSelection selection, IObserver<JobUpdate> observer, Action<JobWatch> release) : IDisposable
{
    private readonly Lock _sync = new();
    private bool _closed;
    private int _released;

    public IReadOnlyList<string> Ids { get; } = ids;

    public JobSelection Selection { get; } = selection;

    /// <summary>Jobs whose first event is still due. Touched by the poller's loop only.</summary>
    public HashSet<string> PendingInitial { get; } = new(ids, StringComparer.Ordinal);

    /// <summary>Jobs not yet seen terminal. Touched by the poller's loop only.</summary>
    public HashSet<string> Open { get; } = new(ids, StringComparer.Ordinal);

    public bool IsClosed
    {
        get
        {
            lock (_sync)
            {
                return _closed;
            }
        }
    }

    /// <summary>False when the subscriber is gone (or its observer threw), so the poller drops it.</summary>
    public bool Emit(JobUpdate update)
    {
        lock (_sync)
        {
            if (_closed)
            {
                return false;
            }

            try
            {
                observer.OnNext(update);
                return true;
            }
            catch (Exception)
            {
                // A transport that cannot take events has lost its subscriber: stop feeding it.
                _closed = true;
            }
        }

        Release();
        return false;
    }

    /// <summary>Completes the stream, after a last event carrying <paramref name="error"/> when given; false when it was over already.</summary>
    public bool Complete(ExecutionError? error, DateTime at)
    {
        lock (_sync)
        {
            if (_closed)
            {
                return false;
            }

            _closed = true;
            try
            {
                if (error is not null)
                {
                    observer.OnNext(JobUpdate.Ending(error, at));
                }

                observer.OnCompleted();
            }
            catch (Exception)
            {
                // The subscriber is gone either way.
            }
        }

        Release();
        return true;
    }

    /// <summary>The subscriber unsubscribed: no completion is sent.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
        }

        Release();
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release(this);
        }
    }
}
