using System.Threading.Channels;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.GraphQLHttp;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.GraphQLStreaming;

/// <summary>
/// GraphQL over Server-Sent Events, the graphql-sse protocol. This part is its distinct connections mode: one request,
/// one operation, its results as <c>next</c> events, then <c>complete</c>. (Single connection mode, one stream for many
/// operations: GraphQLEventStreamHandler.SingleConnection.cs.) Everything after the request is
/// accepted, problems found before execution included, is an event on the stream: a browser's EventSource
/// shows nothing of a 400. The client closing the stream ends the subscription.
/// </summary>
internal sealed partial class GraphQLEventStreamHandler<TSchema>(
    GraphQLOperationExecutor<TSchema> executor,
    IGraphQLSerializer serializer,
    StreamingConnections connections,
    IOptions<GraphQLStreamingOptions> options,
    IOptions<GraphQLHttpOptions> httpOptions,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<GraphQLEventStreamHandler<TSchema>> logger)
    where TSchema : ISchema
{
    public const string MediaType = "text/event-stream";

    private static readonly byte[] KeepAlive = ":\n\n"u8.ToArray();
    private static readonly byte[] Complete = "event: complete\ndata: \n\n"u8.ToArray();
    private static readonly byte[] NextPrefix = "event: next\ndata: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    private readonly ResultWriter _writer = new(serializer, httpOptions.Value.MaxResponseBytes);

    /// <summary>Streams the answer to <paramref name="request"/>: the operation, or why the request could not be read (sent as an error event).</summary>
    public async Task HandleAsync(HttpContext context, ParsedRequest request, GraphQLTransport transport)
    {
        using var open = StreamingConnections.Open(StreamingConnections.ServerSentEvents);
        // Ends on shutdown too: the stream ends without `complete`, so the client reconnects to another replica.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = ending.Token;

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = MediaType + "; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        // nginx buffers proxied answers unless told not to; an event stream must flow as it is written.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await using var body = WithSendTimeout(context);

        try
        {
            await response.StartAsync(cancellationToken);
            var callerKey = connections.CallerKey(context);
            using var slot = connections.TryAcquire(context, callerKey, out var refusal);
            if (slot is null)
            {
                if (connections.RefusalLines.TryTake(out var unlogged))
                {
                    LogTooManyConnections(logger, callerKey, refusal.Message, unlogged);
                }

                await WriteNextAsync(response, ResultWriter.Error(refusal.Message, GatewayErrorCodes.TooManyConnections), cancellationToken);
            }
            else if (request.Error is not null)
            {
                LogRequestRefused(logger, request.Code ?? GatewayErrorCodes.InvalidRequest, request.Error);
                await WriteNextAsync(response, ResultWriter.Error(request.Error, request.Code), cancellationToken);
            }
            else if (await RunAsync(context, request.Request!, transport, cancellationToken))
            {
                // The subscription's stream ended because the replica is stopping (the hub completed it).
                LogShutdown(logger);
                return;
            }

            await response.Body.WriteAsync(Complete, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client closed the stream: that is how graphql-sse unsubscribes.
            LogClientClosed(logger);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            LogShutdown(logger);
        }
        catch (IOException) when (body.Dropped)
        {
            // Dropped for not reading (one line logged then); the write it was stuck in fails.
        }
    }

    /// <summary>
    /// Gives every write to <paramref name="context"/>'s response <c>SendTimeout</c> (<see cref="SendTimeoutStream"/>): a
    /// client that stops reading is dropped, with one line, instead of holding its stream and subscription for good. Its
    /// connection is also dropped once what was sent stays unacknowledged for <c>UnacknowledgedTimeout</c> (a peer that
    /// vanished, which a send timeout alone does not see until TCP's buffers fill).
    /// </summary>
    private SendTimeoutStream WithSendTimeout(HttpContext context)
    {
        StreamingConnections.DropWhenUnacknowledged(context, options.Value.UnacknowledgedTimeout);
        var timeout = options.Value.SendTimeout;
        var body = new SendTimeoutStream(context.Response.Body, context, timeout, timeProvider, () => LogNotReading(logger, timeout.TotalSeconds));
        context.Response.Body = body;
        return body;
    }

    /// <summary>
    /// Runs the operation and writes its results. True when it was a subscription whose stream ended because the replica
    /// is stopping: not finished, so no <c>complete</c> must follow (graphql-sse's client takes a stream that ends without
    /// one as a lost connection and subscribes again, to another replica; after <c>complete</c> it would stop for good).
    /// </summary>
    private async Task<bool> RunAsync(HttpContext context, GraphQLRequest request, GraphQLTransport transport, CancellationToken cancellationToken)
    {
        var (result, _) = await executor.ExecuteAsync(context, request, transport, context.Request.Headers, context.RequestServices, cancellationToken);
        if (result.Streams is not { Count: > 0 } streams)
        {
            // A query or mutation, or an operation refused before execution: one result.
            await WriteNextAsync(context.Response, result, cancellationToken);
            StreamingConnections.CountSent(StreamingConnections.ServerSentEvents);
            return false;
        }

        // A subscription has exactly one root field, so exactly one stream.
        using var stream = ResultStream.Subscribe(streams.Values.Single(), options.Value.MaxPendingResults, StreamingConnections.ServerSentEvents);
        var reader = stream.Results;
        try
        {
            while (await WaitWithKeepAliveAsync(reader, context.Response, cancellationToken))
            {
                while (reader.TryRead(out var next))
                {
                    await WriteNextAsync(context.Response, next, cancellationToken);
                    stream.CountSent();
                }
            }

            return lifetime.ApplicationStopping.IsCancellationRequested;
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

            await WriteNextAsync(context.Response, ResultWriter.Error(ex.Message, GatewayErrorCodes.SubscriptionEnded), cancellationToken);
            return false;
        }
    }

    /// <summary>
    /// Waits until <paramref name="reader"/> has something to send, writing a keep-alive comment every
    /// <c>KeepAliveInterval</c> while it has not (proxies cut idle connections); false once it is completed.
    /// </summary>
    private async Task<bool> WaitWithKeepAliveAsync<T>(ChannelReader<T> reader, HttpResponse response, CancellationToken cancellationToken)
    {
        var waiting = reader.WaitToReadAsync(cancellationToken).AsTask();
        var keepAlive = options.Value.KeepAliveInterval;
        while (keepAlive > TimeSpan.Zero && !waiting.IsCompleted)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(keepAlive, timeProvider, idle.Token);
            if (await Task.WhenAny(waiting, delay) == waiting)
            {
                await idle.CancelAsync();
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            await response.Body.WriteAsync(KeepAlive, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }

        return await waiting;
    }

    private async Task WriteNextAsync(HttpResponse response, ExecutionResult result, CancellationToken cancellationToken)
    {
        // Compact JSON has no raw line breaks, so the whole result fits one data: line.
        var json = await _writer.SerializeAsync(result, cancellationToken);
        await response.Body.WriteAsync(NextPrefix, cancellationToken);
        await response.Body.WriteAsync(json, cancellationToken);
        await response.Body.WriteAsync(EventEnd, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped a GraphQL event stream: its client read nothing for {Seconds} s (GraphQL:Streaming:SendTimeout)")]
    private static partial void LogNotReading(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "GraphQL event stream closed by the client")]
    private static partial void LogClientClosed(ILogger logger);

    // Debug: a shutdown ends every open stream at once (a thousand lines for a thousand streams); the subscription hub's
    // one "Host stopping: completing N subscriptions" line says it for all of them.
    [LoggerMessage(Level = LogLevel.Debug, Message = "GraphQL event stream ended because the gateway is shutting down (without complete: the client reconnects)")]
    private static partial void LogShutdown(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a malformed GraphQL request on an event stream ({Code}): {Reason}")]
    private static partial void LogRequestRefused(ILogger logger, string code, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a GraphQL event stream of caller {CallerKey}: {Refusal} ({Unlogged} more such refusals not logged since the last line: ten a second at most)")]
    private static partial void LogTooManyConnections(ILogger logger, string callerKey, string refusal, long unlogged);

    [LoggerMessage(Level = LogLevel.Information, Message = "GraphQL event stream's subscription ended early: {Reason}")]
    private static partial void LogStreamEnded(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A GraphQL subscription's source failed; the client got an error")]
    private static partial void LogSourceFailed(ILogger logger, Exception exception);
}

