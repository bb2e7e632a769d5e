using DrsGraph.Gateway.Errors;
using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using System.Threading.Channels;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.GraphQLHttp;
using DrsGraph.Gateway.Observability;
using DrsGraph.Gateway.Security;
using GraphQL;
using GraphQL.Types;

namespace DrsGraph.Gateway.GraphQLStreaming;

/// <summary>
/// One graphql-transport-ws socket: <c>connection_init</c> (the caller's headers in its payload) and
/// <c>connection_ack</c>, then any number of <c>subscribe</c>d operations, each answered by <c>next</c> messages
/// and a <c>complete</c> (or an <c>error</c>), until either side completes it; <c>ping</c>/<c>pong</c> both ways.
/// Protocol violations close the socket with the protocol's 44xx codes; shutdown closes it with 1001.
/// </summary>
/// <remarks>
/// Every message is sent by one loop from one queue: a WebSocket allows one send at a time, and results
/// arrive from many subscriptions at once. The queue is bounded (<see cref="GraphQLStreamingOptions.MaxPendingResults"/>
/// messages, <see cref="GraphQLStreamingOptions.MaxPendingBytes"/>): an operation's messages wait for room, so a
/// client that stops reading stalls its own operations (a subscription then ends as it would over SSE) instead of
/// growing the queue; keep-alive pings and pongs are never queued twice; a send that the client does not take
/// within <see cref="GraphQLStreamingOptions.SendTimeout"/> drops the socket.
/// </remarks>
internal sealed partial class GraphQLWebSocketConnection<TSchema>(
    HttpContext context,
    WebSocket socket,
    GraphQLOperationExecutor<TSchema> executor,
    ResultWriter writer,
    IGraphQLSerializer serializer,
    StreamingConnections connections,
    GraphQLStreamingOptions options,
    long maxMessageBytes,
    TimeProvider timeProvider,
    ILogger logger,
    CancellationToken stopping)
    where TSchema : ISchema
{
    /// <summary>How long the client has to answer our close frame before the socket is dropped.</summary>
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly GraphQLRequestReader _reader = new(serializer);
    // Taken once, by the socket's loop: operations run concurrently and must not go through the context's accessors.
    private readonly IServiceScopeFactory _scopes = context.RequestServices.GetRequiredService<IServiceScopeFactory>();
    // Unbounded as a channel, bounded by what is let in: the operations' messages through EnqueueAsync, the rest
    // (ack, one ping, one pong, one close) at most once each at a time.
    private readonly Channel<Outgoing> _outbox = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _queueing = new();
    private TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _queuedMessages;
    private long _queuedBytes;
    private int _pingQueued;
    private int _pongQueued;
    private int _sendTimerSpent;
    private int _awaitingPong;
    private ITimer? _pongTimer;
    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
    private int _initialised;
    private volatile bool _acknowledged;
    private int _closing;
    private IHeaderDictionary _callerHeaders = context.Request.Headers;
    private IDisposable? _callerSlot;

    // Operations still running, plus one for the socket itself: the socket's request (its HttpContext) must outlive them.
    // An operation started just before the client closed read the context after ASP.NET Core had disposed it (an Error
    // with a stack trace, ObjectDisposedException from its features).
    private int _running = 1;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(bool subProtocolAccepted)
    {
        var sending = SendLoopAsync();
        using var onStopping = stopping.Register(() => Close(WebSocketCloseStatus.EndpointUnavailable, "The server is shutting down; reconnect."));
        try
        {
            if (!subProtocolAccepted)
            {
                LogBadMessage(logger, "no graphql-transport-ws subprotocol");
                Close(4406, "Subprotocol not acceptable");
            }

            using var initTimer = timeProvider.CreateTimer(_ => OnInitTimeout(), null, options.ConnectionInitTimeout, Timeout.InfiniteTimeSpan);
            using var keepAlive = options.KeepAliveInterval > TimeSpan.Zero
                ? timeProvider.CreateTimer(_ => SendOnce(PingMessage, ref _pingQueued, OutgoingKind.Ping), null, options.KeepAliveInterval, options.KeepAliveInterval)
                : null;
            using var pongTimer = options.KeepAliveInterval > TimeSpan.Zero && options.PongTimeout > TimeSpan.Zero
                ? timeProvider.CreateTimer(_ => OnPongTimeout(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)
                : null;
            _pongTimer = pongTimer;
            await ReceiveLoopAsync();
        }
        catch (WebSocketException ex) when (IsProtocolViolation(ex))
        {
            // The runtime has sent its close frame already (1002, or 1007 for a text frame that is not UTF-8): a
            // broken client, as a bad graphql-transport-ws message is, so one Information line, without a stack trace.
            LogProtocolViolation(logger, ex.WebSocketErrorCode, ex.Message);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away or the close handshake ended the read: nothing left to answer.
            LogSocketEnded(logger, ex);
        }
        catch (Exception ex)
        {
            LogInternalError(logger, ex);
            Close(4500, "Internal server error");
        }
        finally
        {
            foreach (var id in _operations.Keys)
            {
                Stop(id);
            }

            _outbox.Writer.TryComplete();
            // Bounded: after our close frame the client has a few seconds to answer before the socket is dropped.
            _lifetime.CancelAfter(CloseHandshakeTimeout);
            await sending;
            // Stopped above, they end at once; bounded all the same, as the close handshake is.
            OperationEnded();
            await _drained.Task.WaitAsync(CloseHandshakeTimeout).ContinueWith(static _ => { }, TaskScheduler.Default);
            _callerSlot?.Dispose();
            _lifetime.Dispose();
        }
    }

    private void OnInitTimeout()
    {
        if (Volatile.Read(ref _initialised) == 0)
        {
            LogInitTimeout(logger, options.ConnectionInitTimeout.TotalSeconds);
            Close(4408, "Connection initialisation timeout");
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        using var message = new MemoryStream();
        try
        {
            // Until the client's close frame: after ours, it is the answer to it; messages in between are ignored.
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                message.SetLength(0);
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(buffer.AsMemory(), _lifetime.Token);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        Close(WebSocketCloseStatus.NormalClosure, "");
                        return;
                    }

                    if (message.Length + received.Count > maxMessageBytes)
                    {
                        if (Volatile.Read(ref _closing) == 0)
                        {
                            LogBadMessage(logger, "too large");
                            Close(WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {maxMessageBytes} bytes");
                        }

                        message.SetLength(0);
                        continue;
                    }

                    message.Write(buffer, 0, received.Count);
                }
                while (!received.EndOfMessage);

                if (Volatile.Read(ref _closing) != 0)
                {
                    continue;
                }

                if (received.MessageType != WebSocketMessageType.Text || !Utf8.IsValid(message.GetBuffer().AsSpan(0, (int)message.Length)))
                {
                    BadMessage("Messages must be UTF-8 JSON text");
                    return;
                }

                await DispatchAsync(message.GetBuffer().AsMemory(0, (int)message.Length));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task DispatchAsync(ReadOnlyMemory<byte> json)
    {
        // Parsed as strictly as an HTTP body: JSON that parses but cannot be read (an escaped lone surrogate in the
        // type, the id, the query, a variable's name or the connection_init payload; a repeated name) is the
        // client's malformed message here, not a failure of ours later when a string is read from it.
        if (!RequestJson.TryParse(json, "The message", out var document, out var error))
        {
            BadMessage("Invalid message received: " + error);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeProperty) || typeProperty.ValueKind != JsonValueKind.String)
            {
                BadMessage("Invalid message received: no type");
                return;
            }

            JsonElement? payload = root.TryGetProperty("payload", out var p) && p.ValueKind != JsonValueKind.Null ? p : null;
            switch (typeProperty.GetString())
            {
                case "connection_init":
                    await InitialiseAsync(payload);
                    break;
                case "ping" or "pong" when payload is { ValueKind: not JsonValueKind.Object }:
                    // The protocol's payload is an object, null or missing; graphql-ws's own server refuses anything else.
                    BadMessage($"Invalid message received: the {typeProperty.GetString()} payload must be an object or null");
                    break;
                case "ping":
                    // However fast pings come, one pong waits at a time: it answers them all.
                    SendOnce(PongMessage, ref _pongQueued, OutgoingKind.Pong);
                    break;
                case "pong":
                    if (Interlocked.Exchange(ref _awaitingPong, 0) == 1)
                    {
                        ChangePongTimer(Timeout.InfiniteTimeSpan);
                    }

                    break;
                case "subscribe":
                    Subscribe(root, payload);
                    break;
                case "complete":
                    if (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } completed)
                    {
                        Stop(completed);
                    }
                    else
                    {
                        BadMessage("Invalid message received: complete without an id");
                    }

                    break;
                default:
                    BadMessage($"Invalid message received: unexpected type '{Truncate(CallerText.Printable(typeProperty.GetString()!), 40)}'");
                    break;
            }
        }
    }

    private async Task InitialiseAsync(JsonElement? payload)
    {
        if (Interlocked.Exchange(ref _initialised, 1) != 0)
        {
            LogBadMessage(logger, "repeated connection_init");
            Close(4429, "Too many initialisation requests");
            return;
        }

        if (payload is { ValueKind: not JsonValueKind.Object })
        {
            BadMessage("Invalid message received: the connection_init payload must be an object");
            return;
        }

        var headers = CallerHeaders.Merge(context.Request.Headers, payload);
        if (context.RequestServices.GetService<IGraphQLUserContextBuilder>() is { } builder
            && await builder.RefuseConnectionAsync(context, headers, _lifetime.Token) is { } refusal)
        {
            LogRefused(logger, refusal);
            Close(4403, "Forbidden: " + refusal);
            return;
        }

        // From here on the connection's caller is this one, for the rate limiter and the connection count too.
        _callerHeaders = headers;
        context.Features.Set(new CallerHeadersFeature(headers));
        RequestCost.PrepareWebSocket(context);
        var callerKey = connections.CallerKey(context);
        _callerSlot = connections.TryAcquire(context, callerKey, out var tooMany);
        if (_callerSlot is null)
        {
            if (connections.RefusalLines.TryTake(out var unlogged))
            {
                LogTooManyConnections(logger, callerKey, tooMany.Message, unlogged);
            }

            // 1013 Try Again Later: graphql-ws clients retry it with back-off (the 44xx codes are fatal to them).
            Close(1013, tooMany.CloseReason);
            return;
        }

        // The last change to this context's features: operations start once acknowledged, and only read them.
        SettleFeatures(context);
        _acknowledged = true;
        Send(AckMessage);
    }

    /// <summary>
    /// Fills the context's feature caches again, from this one thread, after the features set at connection_init.
    /// An HttpContext is not thread-safe: each typed accessor (RequestServices, Request, Response, WebSockets, ...)
    /// caches its feature, and the first use after the feature collection changed empties the whole cache. Two
    /// operations of this socket doing that at once could read a null feature, and fail with an internal error.
    /// Touched here, before any operation runs, the caches are only read afterwards.
    /// </summary>
    private static void SettleFeatures(HttpContext context)
    {
        _ = context.RequestServices;
        _ = context.Request.Headers;
        _ = context.Response.HasStarted;
        _ = context.Connection.RemoteIpAddress;
        _ = context.WebSockets.IsWebSocketRequest;
        _ = context.Items;
        _ = context.User;
        _ = context.TraceIdentifier;
        _ = context.RequestAborted;
    }

    private void Subscribe(JsonElement message, JsonElement? payload)
    {
        if (!_acknowledged)
        {
            LogBadMessage(logger, "subscribe before connection_ack");
            Close(4401, "Unauthorized");
            return;
        }

        if (!message.TryGetProperty("id", out var idProperty) || idProperty.ValueKind != JsonValueKind.String || idProperty.GetString() is not { Length: > 0 } id)
        {
            BadMessage("Invalid message received: subscribe without an id");
            return;
        }

        if (id.Length > StreamingConnections.MaxOperationIdLength)
        {
            // Every next, error and complete of the operation carries its id back (see StreamingConnections).
            BadMessage($"Invalid message received: subscribe id longer than {StreamingConnections.MaxOperationIdLength} characters");
            return;
        }

        if (payload is not { ValueKind: JsonValueKind.Object } request)
        {
            BadMessage("Invalid message received: subscribe without a payload object");
            return;
        }

        // A payload that is not the protocol's (a non-string query, variables that are not an object, ...): "a message
        // of a format which is not specified" closes the socket with 4400. Limits (a number too long) are errors instead.
        var parsed = _reader.FromJson(request);
        if (parsed.Code == GatewayErrorCodes.InvalidRequest)
        {
            BadMessage("Invalid message received: " + parsed.Error);
            return;
        }

        var operation = new Operation(CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token));
        if (!_operations.TryAdd(id, operation))
        {
            operation.Cancellation.Dispose();
            LogBadMessage(logger, "duplicate subscriber id");
            Close(4409, $"Subscriber for {Truncate(CallerText.Printable(id), 80)} already exists");
            return;
        }

        if (_operations.Count > options.MaxSubscriptionsPerConnection)
        {
            _operations.TryRemove(new KeyValuePair<string, Operation>(id, operation));
            operation.Cancellation.Dispose();
            LogTooManySubscriptions(logger, options.MaxSubscriptionsPerConnection);
            _ = RefuseAsync(id, ResultWriter.Error($"This connection already runs {options.MaxSubscriptionsPerConnection} operations (GraphQL:Streaming:MaxSubscriptionsPerConnection); complete one first.", GatewayErrorCodes.TooManySubscriptions));
            return;
        }

        // Runs alongside the receive loop; it handles its own failures. Counted, so the socket's request waits for it.
        Interlocked.Increment(ref _running);
        _ = RunOperationAsync(id, operation, parsed);
    }

    private void OperationEnded()
    {
        if (Interlocked.Decrement(ref _running) == 0)
        {
            _drained.TrySetResult();
        }
    }

    private async Task RunOperationAsync(string id, Operation operation, ParsedRequest parsed)
    {
        try
        {
            await RunOperationCoreAsync(id, operation, parsed);
        }
        finally
        {
            OperationEnded();
        }
    }

    private async Task RunOperationCoreAsync(string id, Operation operation, ParsedRequest parsed)
    {
        await Task.Yield();
        var cancellationToken = operation.Cancellation.Token;
        try
        {
            if (parsed.Error is not null)
            {
                await SendErrorAsync(id, ResultWriter.Error(parsed.Error, parsed.Code), operation);
                return;
            }

            // Each operation gets its own services: a socket's operations run concurrently, and scoped services
            // (DataLoader contexts) are not safe to share between executions.
            await using var scope = _scopes.CreateAsyncScope();
            var (result, _) = await executor.ExecuteAsync(context, parsed.Request!, GraphQLTransport.WebSocket, _callerHeaders, scope.ServiceProvider, cancellationToken);
            if (result.Streams is { Count: > 0 } streams)
            {
                await StreamAsync(id, operation, streams.Values.Single(), cancellationToken);
            }
            else if (!result.Executed)
            {
                // Refused before execution (parse, validation, limits): the protocol's error message, no complete.
                await SendErrorAsync(id, result, operation);
                return;
            }
            else
            {
                // Executed, errors included (a subscription refused as its source is set up, e.g. INVALID_JOB_ID):
                // next, then complete, as graphql-ws's server answers an execution result.
                await SendNextAsync(id, result, operation, cancellationToken);
                StreamingConnections.CountSent(StreamingConnections.WebSocket);
            }

            await FinishAsync(id, operation, Message(id, "complete", null));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Completed by the client, or the socket is closing.
        }
        catch (ResultStreamException ex)
        {
            if (ex.InnerException is { } cause)
            {
                LogSourceFailed(logger, cause);
            }
            else
            {
                LogStreamEnded(logger, ex.Message);
            }

            await SendErrorAsync(id, ResultWriter.Error(ex.Message, GatewayErrorCodes.SubscriptionEnded), operation);
        }
        catch (Exception ex)
        {
            LogInternalError(logger, ex);
            await SendErrorAsync(id, ResultWriter.Error("The operation failed because of an internal error.", GatewayErrorCodes.InternalError), operation);
        }
        finally
        {
            if (_operations.TryRemove(new KeyValuePair<string, Operation>(id, operation)))
            {
                operation.Cancel();
            }

            // Unlinks it from the connection's lifetime: a socket may run thousands of operations.
            operation.Cancellation.Dispose();
        }
    }

    private async Task StreamAsync(string id, Operation operation, IObservable<ExecutionResult> source, CancellationToken cancellationToken)
    {
        using var stream = ResultStream.Subscribe(source, options.MaxPendingResults, StreamingConnections.WebSocket);
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stream.Overflowed);
        await foreach (var next in stream.Results.ReadAllAsync(cancellationToken))
        {
            try
            {
                await SendNextAsync(id, next, operation, sending.Token);
            }
            catch (OperationCanceledException) when (stream.Overflowed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The client left no room for this result while MaxPendingResults more came: the stream has
                // ended. The results still in it would only wait as well: dropped, so that its end (the
                // SUBSCRIPTION_ENDED exception, which the reader sees only once the stream is empty) is thrown here.
                while (stream.Results.TryRead(out _))
                {
                }

                await stream.Results.Completion;
            }

            stream.CountSent();
        }
    }

    private async Task SendNextAsync(string id, ExecutionResult result, Operation operation, CancellationToken cancellationToken)
    {
        var payload = await writer.SerializeAsync(result, cancellationToken);
        // Waits for room in the send queue: a subscription whose client does not read stops draining its own
        // results here, and ends with SUBSCRIPTION_ENDED once MaxPendingResults of them have queued up.
        await EnqueueAsync(Message(id, "next", payload), () => IsCurrent(id, operation), cancellationToken);
    }

    /// <summary>Ends the operation with an <c>error</c> message.</summary>
    private async Task SendErrorAsync(string id, ExecutionResult result, Operation operation) =>
        await FinishAsync(id, operation, Message(id, "error", await writer.SerializeErrorsAsync(result, CancellationToken.None)));

    /// <summary>
    /// Answers a subscribe this connection did not take on (no operation holds its id) with an <c>error</c>. It
    /// does not wait for room: nothing would bound the waiting answers. A queue without room for it belongs to
    /// a client that does not read; it is closed.
    /// </summary>
    private async Task RefuseAsync(string id, ExecutionResult result)
    {
        var message = Message(id, "error", await writer.SerializeErrorsAsync(result, CancellationToken.None));
        if (!TryEnqueue(message))
        {
            NotReading();
        }
    }

    /// <summary>
    /// Frees the operation's id, then sends its last message: a client may reuse the id as soon as it reads
    /// the message, and must not meet 4409 for it. Nothing is sent if the client completed it first. The id
    /// stays taken while the message waits for room, so MaxSubscriptionsPerConnection bounds the waiting too.
    /// </summary>
    private async Task FinishAsync(string id, Operation operation, byte[] lastMessage)
    {
        try
        {
            if (await EnqueueAsync(lastMessage, () => _operations.TryRemove(new KeyValuePair<string, Operation>(id, operation)), operation.Cancellation.Token))
            {
                operation.Cancel();
            }
        }
        catch (OperationCanceledException)
        {
            // Completed by the client, or the socket is closing: no last message is owed.
        }
    }

    /// <summary>
    /// Queues an operation's message once the queue has room for it (an empty queue always has: a result larger
    /// than MaxPendingBytes goes out alone), if <paramref name="commit"/> still agrees then; true if queued.
    /// </summary>
    private async Task<bool> EnqueueAsync(byte[] message, Func<bool> commit, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Read before the check: a send finishing after the check completes this one.
            var sent = Volatile.Read(ref _sent);
            lock (_queueing)
            {
                if (Volatile.Read(ref _closing) != 0)
                {
                    return false;
                }

                if (HasRoom(message.Length))
                {
                    if (!commit())
                    {
                        return false;
                    }

                    Queue(message);
                    return true;
                }
            }

            await sent.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Queues <paramref name="message"/> if there is room now; false if the queue is full.</summary>
    private bool TryEnqueue(byte[] message)
    {
        lock (_queueing)
        {
            if (Volatile.Read(ref _closing) != 0)
            {
                return true;
            }

            if (!HasRoom(message.Length))
            {
                return false;
            }

            Queue(message);
            return true;
        }
    }

    private bool HasRoom(int bytes)
    {
        var messages = Volatile.Read(ref _queuedMessages);
        return messages == 0 || (messages < options.MaxPendingResults && Interlocked.Read(ref _queuedBytes) + bytes <= options.MaxPendingBytes);
    }

    private void Queue(byte[] message)
    {
        Interlocked.Increment(ref _queuedMessages);
        Interlocked.Add(ref _queuedBytes, message.Length);
        _outbox.Writer.TryWrite(new Outgoing(message, null, null, OutgoingKind.Counted));
    }

    /// <summary>Called by the send loop once a counted message is out: frees its room and wakes a waiting operation.</summary>
    private void Dequeued(byte[] message)
    {
        Interlocked.Add(ref _queuedBytes, -message.Length);
        Interlocked.Decrement(ref _queuedMessages);
        Interlocked.Exchange(ref _sent, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>The queue was full when an answer could not wait: the client has stopped reading.</summary>
    private void NotReading()
    {
        if (Volatile.Read(ref _closing) == 0)
        {
            LogNotReading(logger, options.MaxPendingResults, options.MaxPendingBytes);
            Close(WebSocketCloseStatus.PolicyViolation, "The client does not read its messages");
        }
    }

    /// <summary>False once the client completed the operation (or reused its id): nothing more may be sent for it.</summary>
    private bool IsCurrent(string id, Operation operation) =>
        _operations.TryGetValue(id, out var current) && ReferenceEquals(current, operation);

    private void Stop(string id)
    {
        if (_operations.TryRemove(id, out var operation))
        {
            operation.Cancel();
        }
    }

    private void BadMessage(string reason)
    {
        LogBadMessage(logger, reason);
        Close(4400, reason);
    }

    /// <summary>Queues the connection's own message (the ack): once per connection, so it needs no room.</summary>
    private void Send(byte[] message)
    {
        if (Volatile.Read(ref _closing) == 0)
        {
            _outbox.Writer.TryWrite(new Outgoing(message, null, null, OutgoingKind.Uncounted));
        }
    }

    /// <summary>Queues a ping or pong unless one is already waiting to go out (<paramref name="queued"/>).</summary>
    private void SendOnce(byte[] message, ref int queued, OutgoingKind kind)
    {
        if (Volatile.Read(ref _closing) == 0 && Interlocked.Exchange(ref queued, 1) == 0)
        {
            _outbox.Writer.TryWrite(new Outgoing(message, null, null, kind));
        }
    }

    /// <summary>Closes after what is already queued; later messages are dropped. Only the first close counts.</summary>
    private void Close(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 0)
        {
            _outbox.Writer.TryWrite(new Outgoing(null, status, Truncate(reason, 120), OutgoingKind.Uncounted));
        }
    }

    private void Close(int code, string reason) => Close((WebSocketCloseStatus)code, reason);

    private async Task SendLoopAsync()
    {
        // Armed around each send: a client that does not read leaves the send waiting on full network buffers.
        using var sendTimeout = timeProvider.CreateTimer(_ => OnSendTimeout(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        try
        {
            await foreach (var outgoing in _outbox.Reader.ReadAllAsync(_lifetime.Token))
            {
                switch (outgoing.Kind)
                {
                    case OutgoingKind.Ping:
                        Volatile.Write(ref _pingQueued, 0);
                        break;
                    case OutgoingKind.Pong:
                        Volatile.Write(ref _pongQueued, 0);
                        break;
                }

                if (outgoing.CloseStatus is { } status)
                {
                    if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        sendTimeout.Change(options.SendTimeout, Timeout.InfiniteTimeSpan);
                        await socket.CloseOutputAsync(status, outgoing.CloseReason, _lifetime.Token);
                        sendTimeout.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    }

                    // The receive loop sees the client's answer to our close frame, or gives up after the handshake timeout.
                    _lifetime.CancelAfter(CloseHandshakeTimeout);
                    return;
                }

                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    sendTimeout.Change(options.SendTimeout, Timeout.InfiniteTimeSpan);
                    await socket.SendAsync(outgoing.Message!, WebSocketMessageType.Text, endOfMessage: true, _lifetime.Token);
                    sendTimeout.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }

                if (outgoing.Kind == OutgoingKind.Counted)
                {
                    Dequeued(outgoing.Message!);
                }
                else if (outgoing.Kind == OutgoingKind.Ping && Interlocked.Exchange(ref _awaitingPong, 1) == 0)
                {
                    // From when the ping went out; a ping while one is unanswered does not extend the wait.
                    ChangePongTimer(options.PongTimeout);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The socket is gone; the receive loop ends too.
            _lifetime.Cancel();
        }
        finally
        {
            Interlocked.Exchange(ref _sendTimerSpent, 1);
        }
    }

    /// <summary>
    /// A send waited <see cref="GraphQLStreamingOptions.SendTimeout"/>: the client reads nothing. No close frame
    /// could reach it, so the connection is dropped; its operations end with the socket.
    /// </summary>
    private void OnSendTimeout()
    {
        // Set once the send loop has ended: a timer callback already queued then finds nothing to do.
        if (Interlocked.Exchange(ref _sendTimerSpent, 1) != 0)
        {
            return;
        }

        // One line per fault: a socket already closing (a bad message, a full queue) was logged for that.
        if (Interlocked.Exchange(ref _closing, 1) == 0)
        {
            LogSendTimeout(logger, options.SendTimeout.TotalSeconds);
        }
        else
        {
            LogCloseTimeout(logger, options.SendTimeout.TotalSeconds);
        }

        try
        {
            _lifetime.Cancel();
            context.Abort();
        }
        catch (ObjectDisposedException)
        {
            // The timer fired as the connection ended on its own: nothing left to drop.
        }
    }

    private void ChangePongTimer(TimeSpan dueTime)
    {
        try
        {
            _pongTimer?.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The connection has ended.
        }
    }

    /// <summary>A keep-alive ping went unanswered for PongTimeout: the peer is gone or broken.</summary>
    private void OnPongTimeout()
    {
        if (Volatile.Read(ref _awaitingPong) == 1 && Volatile.Read(ref _closing) == 0)
        {
            LogNoPong(logger, options.PongTimeout.TotalSeconds);
            // 4499, graphql-ws's own code for a socket it terminates because it froze, which its client retries: the
            // peers that miss pongs (a laptop asleep, a frozen tab) come back, and 1008 would make them give up for good.
            Close(TerminatedCloseCode, "Terminated: keep-alive timeout, no pong");
        }
    }

    private static byte[] Message(string id, string type, byte[]? payload)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("type", type);
            if (payload is not null)
            {
                json.WritePropertyName("payload");
                json.WriteRawValue(payload, skipInputValidation: true);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>graphql-ws's "Terminated" (the socket froze): its client reconnects after it.</summary>
    private const int TerminatedCloseCode = 4499;

    private static readonly byte[] AckMessage = """{"type":"connection_ack"}"""u8.ToArray();
    private static readonly byte[] PingMessage = """{"type":"ping"}"""u8.ToArray();
    private static readonly byte[] PongMessage = """{"type":"pong"}"""u8.ToArray();

    /// <summary>Close reasons are limited to 123 UTF-8 bytes; ours are ASCII apart from echoed ids.</summary>
    private static string Truncate(string text, int length)
    {
        if (Encoding.UTF8.GetByteCount(text) <= length)
        {
            return text;
        }

        // As much as fits with the ellipsis (3 bytes), never splitting a surrogate pair.
        var end = Math.Min(text.Length, length - 3);
        while (end > 0 && (Encoding.UTF8.GetByteCount(text.AsSpan(0, end)) > length - 3 || char.IsHighSurrogate(text[end - 1])))
        {
            end--;
        }

        return string.Concat(text.AsSpan(0, end), "…");
    }

    private sealed record Outgoing(byte[]? Message, WebSocketCloseStatus? CloseStatus, string? CloseReason, OutgoingKind Kind);

    private enum OutgoingKind
    {
        /// <summary>An operation's message: counted against the queue's bounds.</summary>
        Counted,

        /// <summary>The ack or the close: once per connection.</summary>
        Uncounted,

        /// <summary>A keep-alive ping: at most one queued.</summary>
        Ping,

        /// <summary>A pong: at most one queued.</summary>
        Pong,
    }

    /// <summary>A running operation: cancelled when it ends or is completed, disposed by its own run once it has ended.</summary>
    private sealed class Operation(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;

        public void Cancel()
        {
            try
            {
                Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>
    /// A frame the runtime refused (unmasked, reserved bits set, an unknown opcode, text that is not UTF-8, ...), as
    /// opposed to a client that vanished: that one ends the read with ConnectionClosedPrematurely or with the
    /// transport's own exception inside.
    /// </summary>
    private static bool IsProtocolViolation(WebSocketException ex) =>
        ex.WebSocketErrorCode is WebSocketError.Faulted or WebSocketError.HeaderError or WebSocketError.InvalidMessageType or WebSocketError.UnsupportedProtocol
        && ex.InnerException is null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a GraphQL WebSocket: a bad message ({Reason})")]
    private static partial void LogBadMessage(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a GraphQL WebSocket: its client broke the WebSocket protocol ({Error}: {Reason})")]
    private static partial void LogProtocolViolation(ILogger logger, WebSocketError error, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a GraphQL WebSocket: no connection_init within {Seconds} s")]
    private static partial void LogInitTimeout(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a GraphQL WebSocket: its credentials were refused ({Reason})")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a GraphQL WebSocket of caller {CallerKey}: {Refusal} ({Unlogged} more such refusals not logged since the last line: ten a second at most)")]
    private static partial void LogTooManyConnections(ILogger logger, string callerKey, string refusal, long unlogged);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a subscribe on a GraphQL WebSocket: it runs {Limit} operations already")]
    private static partial void LogTooManySubscriptions(ILogger logger, int limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a GraphQL WebSocket: its client does not read (send queue full: {Messages} messages or {Bytes} bytes)")]
    private static partial void LogNotReading(ILogger logger, int messages, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped a GraphQL WebSocket: its client read nothing for {Seconds} s (GraphQL:Streaming:SendTimeout)")]
    private static partial void LogSendTimeout(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed a GraphQL WebSocket: no pong within {Seconds} s of a keep-alive ping (GraphQL:Streaming:PongTimeout)")]
    private static partial void LogNoPong(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a closing GraphQL WebSocket: its client read nothing for {Seconds} s")]
    private static partial void LogCloseTimeout(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "A GraphQL WebSocket subscription ended early: {Reason}")]
    private static partial void LogStreamEnded(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A GraphQL subscription's source failed; the client got an error")]
    private static partial void LogSourceFailed(ILogger logger, Exception exception);

    // Debug, and with the exception: a client dropping the connection is ordinary, and its cause is all there is to see.
    [LoggerMessage(Level = LogLevel.Debug, Message = "GraphQL WebSocket ended without a close handshake")]
    private static partial void LogSocketEnded(ILogger logger, Exception cause);

    [LoggerMessage(Level = LogLevel.Error, Message = "GraphQL WebSocket failed")]
    private static partial void LogInternalError(ILogger logger, Exception exception);
}
