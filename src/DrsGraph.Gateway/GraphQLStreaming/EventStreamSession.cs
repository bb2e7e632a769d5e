using System.Collections.Concurrent;
using System.Threading.Channels;

namespace DrsGraph.Gateway.GraphQLStreaming;

/// <summary>
/// One reservation of graphql-sse's single connection mode: the token a <c>PUT</c> handed out, the caller it belongs
/// to, the operations its <c>POST</c>s started and the queue of events they wait to send on its one stream.
/// Lives in this replica's memory from the <c>PUT</c> until its stream closes (or, without a stream, until
/// <see cref="GraphQLStreamingOptions.ConnectionInitTimeout"/> passes); then its operations stop and it is forgotten.
/// </summary>
/// <remarks>
/// The queue follows the WebSocket's send queue: bounded by <see cref="GraphQLStreamingOptions.MaxPendingResults"/>
/// events and <see cref="GraphQLStreamingOptions.MaxPendingBytes"/>, an operation's event waits for room, so a client
/// that stops reading stalls its own subscriptions (each then ends with <c>SUBSCRIPTION_ENDED</c>) instead of the
/// queue growing. Events posted before the stream opens wait in the same queue.
/// </remarks>
internal sealed class EventStreamSession
{
    // Unbounded as a channel, bounded by what EnqueueAsync lets in.
    private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);
    private readonly Lock _queueing = new();
    private readonly CancellationTokenSource _lifetime;
    // Kept apart from the source: once closed, the source is cancelled, then disposed, and a late operation still
    // links to the (cancelled) token without touching the disposed source.
    private readonly CancellationToken _lifetimeToken;
    private readonly int _maxPendingResults;
    private readonly long _maxPendingBytes;
    private TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _queuedMessages;
    private long _queuedBytes;
    private IDisposable? _callerSlot;
    private ITimer? _expiry;
    private int _state;

    private const int Reserved = 0;
    private const int Streaming = 1;
    private const int Closed = 2;

    public EventStreamSession(string token, string callerKey, IDisposable callerSlot, GraphQLStreamingOptions options, CancellationToken stopping)
    {
        Token = token;
        CallerKey = callerKey;
        _callerSlot = callerSlot;
        _maxPendingResults = options.MaxPendingResults;
        _maxPendingBytes = options.MaxPendingBytes;
        _lifetime = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _lifetimeToken = _lifetime.Token;
    }

    public string Token { get; }

    /// <summary>The caller that reserved it; every later request presenting the token must be this caller.</summary>
    public string CallerKey { get; }

    /// <summary>Cancelled when the session closes (its stream ended, it expired, the gateway stops).</summary>
    public CancellationToken Lifetime => _lifetimeToken;

    /// <summary>The events to write on the stream, in order; completes when the session closes.</summary>
    public ChannelReader<byte[]> Outbox => _outbox.Reader;

    public bool IsClosed => Volatile.Read(ref _state) == Closed;

    /// <summary>Arms the expiry of a reservation that no stream fulfils; <paramref name="expire"/> runs once, unless a stream came first.</summary>
    public void ExpireAfter(TimeProvider timeProvider, TimeSpan timeout, Action<EventStreamSession> expire) =>
        _expiry = timeProvider.CreateTimer(_ =>
        {
            if (Volatile.Read(ref _state) == Reserved)
            {
                expire(this);
            }
        }, null, timeout, Timeout.InfiniteTimeSpan);

    /// <summary>Takes the session's one stream: false when a stream already holds it (or it has closed).</summary>
    public bool TryOpenStream()
    {
        if (Interlocked.CompareExchange(ref _state, Streaming, Reserved) != Reserved)
        {
            return false;
        }

        _expiry?.Dispose();
        return true;
    }

    /// <summary>
    /// Registers an operation under the client's id: null with <paramref name="duplicate"/> when the id runs
    /// already, null without it when <paramref name="maxOperations"/> run.
    /// </summary>
    public Operation? TryStart(string id, int maxOperations, out bool duplicate)
    {
        duplicate = false;
        if (IsClosed)
        {
            return null;
        }

        var operation = new Operation(CancellationTokenSource.CreateLinkedTokenSource(_lifetimeToken));
        if (!_operations.TryAdd(id, operation))
        {
            operation.Dispose();
            duplicate = true;
            return null;
        }

        if (_operations.Count > maxOperations || IsClosed)
        {
            _operations.TryRemove(new KeyValuePair<string, Operation>(id, operation));
            operation.Dispose();
            return null;
        }

        return operation;
    }

    /// <summary>Stops the operation of that id (the client's <c>DELETE</c>); nothing more is sent for it.</summary>
    public bool Stop(string id)
    {
        if (!_operations.TryRemove(id, out var operation))
        {
            return false;
        }

        operation.Cancel();
        return true;
    }

    /// <summary>Forgets the operation if <paramref name="operation"/> still holds its id; true if it did.</summary>
    public bool Remove(string id, Operation operation) =>
        _operations.TryRemove(new KeyValuePair<string, Operation>(id, operation));

    /// <summary>False once the operation was stopped (or its id reused): nothing more may be sent for it.</summary>
    public bool IsCurrent(string id, Operation operation) =>
        _operations.TryGetValue(id, out var current) && ReferenceEquals(current, operation);

    /// <summary>
    /// Queues an event once the queue has room (an empty queue always has: an event larger than MaxPendingBytes goes
    /// out alone), if <paramref name="commit"/> still agrees then; true if queued.
    /// </summary>
    public async Task<bool> EnqueueAsync(byte[] message, Func<bool> commit, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Read before the check: an event written after the check completes this one.
            var sent = Volatile.Read(ref _sent);
            lock (_queueing)
            {
                if (IsClosed)
                {
                    return false;
                }

                var messages = Volatile.Read(ref _queuedMessages);
                if (messages == 0 || (messages < _maxPendingResults && Interlocked.Read(ref _queuedBytes) + message.Length <= _maxPendingBytes))
                {
                    if (!commit())
                    {
                        return false;
                    }

                    Interlocked.Increment(ref _queuedMessages);
                    Interlocked.Add(ref _queuedBytes, message.Length);
                    _outbox.Writer.TryWrite(message);
                    return true;
                }
            }

            await sent.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Called by the stream once an event is written: frees its room and wakes a waiting operation.</summary>
    public void Dequeued(byte[] message)
    {
        Interlocked.Add(ref _queuedBytes, -message.Length);
        Interlocked.Decrement(ref _queuedMessages);
        Interlocked.Exchange(ref _sent, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Ends the session: its operations stop, its caller slot is freed. True for the first call only.</summary>
    public bool Close()
    {
        if (Interlocked.Exchange(ref _state, Closed) == Closed)
        {
            return false;
        }

        _expiry?.Dispose();
        lock (_queueing)
        {
            _outbox.Writer.TryComplete();
        }

        foreach (var id in _operations.Keys)
        {
            Stop(id);
        }

        try
        {
            _lifetime.Cancel();
        }
        catch (AggregateException)
        {
            // A callback of an operation's cancellation failed; the operation handles its own end.
        }

        // Disposed, or its link to ApplicationStopping would outlive it.
        _lifetime.Dispose();
        Interlocked.Exchange(ref _callerSlot, null)?.Dispose();
        return true;
    }

    /// <summary>A running operation: cancelled when it ends or is stopped, disposed by its own run once it has ended.</summary>
    internal sealed class Operation(CancellationTokenSource cancellation) : IDisposable
    {
        public CancellationToken Token => cancellation.Token;

        public void Cancel()
        {
            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It has ended already.
            }
        }

        public void Dispose() => cancellation.Dispose();
    }
}
