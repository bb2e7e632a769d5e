using System.Threading.Channels;
using DrsGraph.Gateway.Observability;
using GraphQL;

namespace DrsGraph.Gateway.GraphQLStreaming;

/// <summary>
/// One subscription's results, moved from the executer's observable into a bounded queue that its transport
/// drains. <c>OnNext</c> never blocks: the observable may be fed by a poller shared with other subscribers.
/// Disposing it unsubscribes from the observable.
/// </summary>
internal sealed class ResultStream : IObserver<ExecutionResult>, IDisposable
{
    private readonly Channel<ExecutionResult> _results;
    private readonly KeyValuePair<string, object?> _transport;
    private readonly CancellationTokenSource _overflowed = new();
    private IDisposable? _subscription;
    private int _disposed;

    private ResultStream(int capacity, string transport)
    {
        _results = Channel.CreateBounded<ExecutionResult>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _transport = new("transport", transport);
    }

    /// <summary>Completes when the observable completes; faults with <see cref="ResultStreamException"/> when it fails or the reader lags.</summary>
    public ChannelReader<ExecutionResult> Results => _results.Reader;

    /// <summary>
    /// Cancelled when the reader lagged and the stream ended: a transport waiting to pass a result on (a WebSocket
    /// waiting for room in its send queue) stops waiting and ends the subscription now.
    /// </summary>
    public CancellationToken Overflowed => _overflowed.Token;

    public static ResultStream Subscribe(IObservable<ExecutionResult> source, int capacity, string transport)
    {
        var stream = new ResultStream(capacity, transport);
        GatewayTelemetry.ActiveSubscriptions.Add(1, stream._transport);
        var subscription = source.Subscribe(stream);
        if (Interlocked.CompareExchange(ref stream._subscription, subscription, null) is not null || Volatile.Read(ref stream._disposed) != 0)
        {
            subscription.Dispose();
        }

        return stream;
    }

    public void OnNext(ExecutionResult value)
    {
        if (!_results.Writer.TryWrite(value)
            && _results.Writer.TryComplete(new ResultStreamException("The client did not read the subscription's results fast enough; it was ended. Subscribe again to resume.")))
        {
            try
            {
                // Not inline: OnNext runs on the shared poller, which must not run the transport's continuations.
                _ = _overflowed.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // Disposed meanwhile: nobody waits any more.
            }
        }
    }

    public void OnError(Exception error) =>
        _results.Writer.TryComplete(new ResultStreamException("The subscription's source failed.", error));

    public void OnCompleted() => _results.Writer.TryComplete();

    /// <summary>Counts one result sent by the transport.</summary>
    public void CountSent() => StreamingConnections.CountSent((string)_transport.Value!);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        GatewayTelemetry.ActiveSubscriptions.Add(-1, _transport);
        _results.Writer.TryComplete();
        Interlocked.Exchange(ref _subscription, NoSubscription.Instance)?.Dispose();
        _overflowed.Dispose();
    }

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose()
        {
        }
    }
}

/// <summary>Why a subscription's stream ended early; the message is safe to send to the client.</summary>
internal sealed class ResultStreamException(string message, Exception? inner = null) : Exception(message, inner);
