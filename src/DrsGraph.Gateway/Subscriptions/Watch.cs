using GraphQL;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>
/// One subscriber of a shared poller: its observer and the handle that unsubscribes it. Observer calls are
/// serialized and end at the first completion, so a transport never sees an event after <c>OnCompleted</c>.
/// </summary>
/// <param name="observer">The transport's side of the stream.</param>
/// <param name="ending">The last event of a stream that ends with an error (a refused token, ...).</param>
/// <param name="release">Called once when the subscriber leaves, however it leaves: takes it off its poller and its caller's count.</param>
internal abstract class Watch<TEvent>(IObserver<TEvent> observer, Func<ExecutionError, DateTime, TEvent> ending, Action release) : IDisposable
{
    private readonly Lock _sync = new();
    private bool _closed;
    private int _released;

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
    public bool Emit(TEvent update)
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
                    observer.OnNext(ending(error, at));
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
            release();
        }
    }
}
