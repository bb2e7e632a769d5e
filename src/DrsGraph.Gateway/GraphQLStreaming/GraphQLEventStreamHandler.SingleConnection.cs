using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.GraphQLHttp;
using GraphQL;
using Microsoft.AspNetCore.Http.Features;

namespace DrsGraph.Gateway.GraphQLStreaming;

/// <summary>
/// graphql-sse's single connection mode (its PROTOCOL.md): <c>PUT</c> reserves a stream and answers its token,
/// <c>GET</c> with <c>Accept: text/event-stream</c> and the token opens the one stream, each <c>POST</c> with the
/// token and <c>extensions.operationId</c> runs an operation whose events (<c>next</c> with
/// <c>{"id","payload"}</c>, <c>complete</c> with <c>{"id"}</c>) go to that stream, <c>DELETE ?operationId=</c>
/// stops one. A browser over HTTP/1.1 has six connections per origin: this mode lets a page run many operations
/// on one. Requests that are refused get a plain HTTP answer, as the protocol says (the GraphQL over HTTP rules);
/// only what an accepted operation produces goes to the stream.
/// </summary>
/// <remarks>
/// Tokens live in this replica's memory, bound to the caller that reserved them (the caller key, never the raw
/// credentials): another caller presenting one meets the same 404 as an unknown token.
/// </remarks>
internal sealed partial class GraphQLEventStreamHandler<TSchema>
{
    /// <summary>The header graphql-sse's client sends the token in; <c>?token=</c> is the protocol's alternative (EventSource).</summary>
    public const string TokenHeader = "X-GraphQL-Event-Stream-Token";

    private const string TokenParameter = "token";
    private const int MaxOperationIdLength = StreamingConnections.MaxOperationIdLength;
    private const int MaxTokenLength = 128;

    private static readonly byte[] CompleteIdPrefix = "event: complete\ndata: "u8.ToArray();

    private readonly ConcurrentDictionary<string, EventStreamSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>The single connection mode token of the request (header first, then <c>?token=</c>), or null.</summary>
    public static string? StreamToken(HttpRequest request)
    {
        var header = request.Headers[TokenHeader].ToString();
        if (header.Length > 0)
        {
            return header;
        }

        var query = request.Query[TokenParameter].ToString();
        return query.Length > 0 ? query : null;
    }

    /// <summary>PUT: reserves a stream for the caller; 201 with the token as text, or 429 past MaxConnectionsPerCaller.</summary>
    public async Task ReserveAsync(HttpContext context)
    {
        var callerKey = connections.CallerKey(context);
        // The reservation takes the caller's connection slot now: reservations nobody fulfils are connections too.
        var slot = connections.TryAcquire(context, callerKey, out var refusal);
        if (slot is null)
        {
            if (connections.RefusalLines.TryTake(out var unlogged))
            {
                LogTooManyConnections(logger, callerKey, refusal.Message, unlogged);
            }

            await WriteRefusalAsync(context, StatusCodes.Status429TooManyRequests, refusal.Message, GatewayErrorCodes.TooManyConnections);
            return;
        }

        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var session = new EventStreamSession(token, callerKey, slot, options.Value, lifetime.ApplicationStopping);
        _sessions[token] = session;
        session.ExpireAfter(timeProvider, options.Value.ConnectionInitTimeout, expired =>
        {
            if (Forget(expired))
            {
                LogReservationExpired(logger, expired.CallerKey, options.Value.ConnectionInitTimeout.TotalSeconds);
            }
        });

        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(token, context.RequestAborted);
    }

    /// <summary>GET with the token and <c>Accept: text/event-stream</c>: the reservation's one stream, until the client closes it.</summary>
    public async Task OpenStreamAsync(HttpContext context, string token)
    {
        if (await FindAsync(context, token) is not { } session)
        {
            return;
        }

        if (!session.TryOpenStream())
        {
            LogSecondStream(logger, session.CallerKey);
            await WriteRefusalAsync(context, StatusCodes.Status409Conflict, "A stream is already open for this token; only one may be.");
            return;
        }

        using var open = StreamingConnections.Open(StreamingConnections.ServerSentEvents);
        // The session's lifetime ends on shutdown too: the stream ends, the client reserves again on another replica.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, session.Lifetime);
        var cancellationToken = ending.Token;
        var response = context.Response;
        SendTimeoutStream? body = null;
        try
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = MediaType + "; charset=utf-8";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            body = WithSendTimeout(context);
            await response.StartAsync(cancellationToken);
            // Some browsers report an event stream open only once a first byte arrives, not on the headers.
            await response.Body.WriteAsync(KeepAlive, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            await PumpAsync(response, session, cancellationToken);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            LogClientClosed(logger);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The response ends here; graphql-sse's client sees its operations cut off and reserves again.
            LogShutdown(logger);
        }
        catch (IOException)
        {
            LogClientClosed(logger);
        }
        finally
        {
            if (body is not null)
            {
                await body.DisposeAsync();
            }

            // The stream was the session: its operations stop and the token is forgotten.
            Forget(session);
        }
    }

    /// <summary>
    /// POST with the token: runs the operation of <paramref name="parsed"/> under <c>extensions.operationId</c>. 202
    /// once it is accepted (a query or mutation has run by then); a request that is not well-formed, or an operation
    /// refused before execution (parsing, validation, limits, persisted operations), gets 400 with the errors as JSON.
    /// </summary>
    /// <param name="context">The POST.</param>
    /// <param name="token">The reservation's token, as the request presented it.</param>
    /// <param name="parsed">The GraphQL request read from the body, or why it could not be.</param>
    /// <param name="body">The body's JSON, where <c>extensions.operationId</c> is read; null when it is not JSON.</param>
    /// <param name="refusalStatus">The status of <paramref name="parsed"/>'s error (400; 413, 415 when the body was not read as JSON).</param>
    public async Task StartOperationAsync(HttpContext context, string token, ParsedRequest parsed, JsonElement? body, int refusalStatus)
    {
        if (await FindAsync(context, token) is not { } session)
        {
            return;
        }

        if (parsed.Error is not null)
        {
            LogOperationRefused(logger, parsed.Code ?? GatewayErrorCodes.InvalidRequest, parsed.Error);
            await WriteRefusalAsync(context, refusalStatus, parsed.Error, parsed.Code);
            return;
        }

        if (!TryReadOperationId(body, out var id, out var idError))
        {
            LogOperationRefused(logger, GatewayErrorCodes.InvalidRequest, idError);
            await WriteRefusalAsync(context, StatusCodes.Status400BadRequest, idError);
            return;
        }

        var max = options.Value.MaxSubscriptionsPerConnection;
        if (session.TryStart(id, max, out var duplicate) is not { } operation)
        {
            if (duplicate)
            {
                LogOperationRefused(logger, GatewayErrorCodes.StreamConflict, "duplicate operationId");
                await WriteRefusalAsync(context, StatusCodes.Status409Conflict, "An operation with this operationId is already running on this stream.");
            }
            else if (session.IsClosed)
            {
                LogUnknownToken(logger, session.CallerKey);
                await WriteRefusalAsync(context, StatusCodes.Status404NotFound, UnknownTokenMessage);
            }
            else
            {
                LogTooManySubscriptions(logger, max);
                await WriteRefusalAsync(context, StatusCodes.Status429TooManyRequests,
                    $"This stream already runs {max} operations (GraphQL:Streaming:MaxSubscriptionsPerConnection); complete one first.",
                    GatewayErrorCodes.TooManySubscriptions);
            }

            return;
        }

        // The operation outlives this request (a subscription): its own services, disposed when it ends.
        var scope = context.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        var handedOver = false;
        try
        {
            ExecutionResult result;
            bool faulted;
            // The executer gets the operation's own token, which a subscription keeps using after this request; the
            // POST's client leaving before the answer cancels it too.
            using (context.RequestAborted.Register(operation.Cancel))
            {
                try
                {
                    (result, faulted) = await executor.ExecuteAsync(context, parsed.Request!, GraphQLTransport.EventStreamPost, context.Request.Headers, scope.ServiceProvider, operation.Token);
                }
                catch (OperationCanceledException) when (operation.Token.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
                {
                    // Stopped by a DELETE, or the stream closed, while it ran: nothing to stream, as graphql-sse's own server answers.
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                    return;
                }
            }

            if (faulted || !result.Executed)
            {
                // Refused before execution, or failed outside the executer (which logged it): the protocol wants
                // the GraphQL over HTTP answer; a 200 would tell graphql-sse's client the results are coming.
                await WriteResultAsync(context, faulted ? StatusCodes.Status500InternalServerError : StatusCodes.Status400BadRequest, result);
                return;
            }

            handedOver = true;
            _ = RunOperationAsync(session, id, operation, result, scope);
            context.Response.StatusCode = StatusCodes.Status202Accepted;
        }
        finally
        {
            if (!handedOver)
            {
                session.Remove(id, operation);
                operation.Dispose();
                await scope.DisposeAsync();
            }
        }
    }

    /// <summary>DELETE with the token and <c>?operationId=</c>: stops that operation. 200 whether it still ran or not, as graphql-sse's server.</summary>
    public async Task StopOperationAsync(HttpContext context)
    {
        if (StreamToken(context.Request) is not { } token)
        {
            var callerKey = connections.CallerKey(context);
            LogUnknownToken(logger, callerKey);
            await WriteRefusalAsync(context, StatusCodes.Status404NotFound, UnknownTokenMessage);
            return;
        }

        if (await FindAsync(context, token) is not { } session)
        {
            return;
        }

        var id = context.Request.Query["operationId"].ToString();
        if (id.Length == 0)
        {
            LogOperationRefused(logger, GatewayErrorCodes.InvalidRequest, "DELETE without operationId");
            await WriteRefusalAsync(context, StatusCodes.Status400BadRequest, "The 'operationId' search parameter is required: the id of the operation to stop.");
            return;
        }

        session.Stop(id);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private async Task RunOperationAsync(EventStreamSession session, string id, EventStreamSession.Operation operation, ExecutionResult result, AsyncServiceScope scope)
    {
        // Off the POST's thread: it answers 202 while the results flow.
        await Task.Yield();
        var cancellationToken = operation.Token;
        try
        {
            try
            {
                if (result.Streams is { Count: > 0 } streams)
                {
                    await StreamOperationAsync(session, id, operation, streams.Values.Single(), cancellationToken);
                }
                else
                {
                    // A query or mutation, or a subscription refused as its source is set up: one result.
                    await SendOperationNextAsync(session, id, operation, result, cancellationToken);
                    StreamingConnections.CountSent(StreamingConnections.ServerSentEvents);
                }
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

                await SendOperationNextAsync(session, id, operation, ResultWriter.Error(ex.Message, GatewayErrorCodes.SubscriptionEnded), cancellationToken);
            }

            // The id is freed as its complete is queued: the client may reuse it once it reads the event.
            await session.EnqueueAsync(OperationComplete(id), () => session.Remove(id, operation), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by the client, or the stream closed: nothing more is owed.
        }
        catch (Exception ex)
        {
            LogOperationFailed(logger, ex);
        }
        finally
        {
            session.Remove(id, operation);
            operation.Cancel();
            operation.Dispose();
            await scope.DisposeAsync();
        }
    }

    private async Task StreamOperationAsync(EventStreamSession session, string id, EventStreamSession.Operation operation, IObservable<ExecutionResult> source, CancellationToken cancellationToken)
    {
        using var stream = ResultStream.Subscribe(source, options.Value.MaxPendingResults, StreamingConnections.ServerSentEvents);
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stream.Overflowed);
        await foreach (var next in stream.Results.ReadAllAsync(cancellationToken))
        {
            try
            {
                await SendOperationNextAsync(session, id, operation, next, sending.Token);
            }
            catch (OperationCanceledException) when (stream.Overflowed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The client left no room while MaxPendingResults more results came: the subscription has ended.
                // What is still in it would only wait too; dropped, so that its end is thrown here.
                while (stream.Results.TryRead(out _))
                {
                }

                await stream.Results.Completion;
            }

            stream.CountSent();
        }
    }

    private async Task SendOperationNextAsync(EventStreamSession session, string id, EventStreamSession.Operation operation, ExecutionResult result, CancellationToken cancellationToken)
    {
        var payload = await _writer.SerializeAsync(result, cancellationToken);
        await session.EnqueueAsync(OperationNext(id, payload), () => session.IsCurrent(id, operation), cancellationToken);
    }

    /// <summary>Writes the session's events as they are queued, with keep-alive comments while idle, until it closes.</summary>
    private async Task PumpAsync(HttpResponse response, EventStreamSession session, CancellationToken cancellationToken)
    {
        var reader = session.Outbox;
        while (await WaitWithKeepAliveAsync(reader, response, cancellationToken))
        {
            while (reader.TryRead(out var message))
            {
                await response.Body.WriteAsync(message, cancellationToken);
                session.Dequeued(message);
            }

            await response.Body.FlushAsync(cancellationToken);
        }
    }

    /// <summary>The caller's session of <paramref name="token"/>; otherwise 404 (an unknown token and another caller's look the same).</summary>
    private async Task<EventStreamSession?> FindAsync(HttpContext context, string token)
    {
        var callerKey = connections.CallerKey(context);
        if (token.Length <= MaxTokenLength
            && _sessions.TryGetValue(token, out var session)
            && !session.IsClosed
            && string.Equals(session.CallerKey, callerKey, StringComparison.Ordinal))
        {
            return session;
        }

        // Never the token: a caller key (a keyed hash or an address) is enough to find the client.
        LogUnknownToken(logger, callerKey);
        await WriteRefusalAsync(context, StatusCodes.Status404NotFound, UnknownTokenMessage);
        return null;
    }

    private const string UnknownTokenMessage =
        "No event stream reservation with this token on this replica: it expired, its stream closed, it belongs to another caller, "
        + "or the request reached another replica (single connection mode needs sticky sessions). Reserve a new one with PUT.";

    private bool Forget(EventStreamSession session)
    {
        _sessions.TryRemove(new KeyValuePair<string, EventStreamSession>(session.Token, session));
        return session.Close();
    }

    private static bool TryReadOperationId(JsonElement? body, out string id, out string error)
    {
        id = "";
        error = "";
        if (body is not { ValueKind: JsonValueKind.Object } root
            || !root.TryGetProperty("extensions", out var extensions)
            || extensions.ValueKind != JsonValueKind.Object
            || !extensions.TryGetProperty("operationId", out var operationId)
            || operationId.ValueKind != JsonValueKind.String
            || operationId.GetString() is not { Length: > 0 } value)
        {
            error = "An operation on an event stream reservation needs 'extensions.operationId': a non-empty string naming it on the stream.";
            return false;
        }

        if (value.Length > MaxOperationIdLength)
        {
            error = $"'extensions.operationId' is longer than {MaxOperationIdLength} characters.";
            return false;
        }

        id = value;
        return true;
    }

    private Task WriteRefusalAsync(HttpContext context, int status, string message, string? code = null) =>
        WriteResultAsync(context, status, ResultWriter.Error(message, code ?? GatewayErrorCodes.ForStatus(status)));

    private async Task WriteResultAsync(HttpContext context, int status, ExecutionResult result)
    {
        var json = await _writer.SerializeAsync(result, context.RequestAborted);
        context.Response.StatusCode = status;
        context.Response.ContentType = GraphQLMediaTypes.ContentTypeOf(GraphQLMediaTypes.Json);
        context.Response.ContentLength = json.Length;
        await context.Response.Body.WriteAsync(json, context.RequestAborted);
    }

    private static byte[] OperationNext(string id, byte[] payload)
    {
        using var buffer = new MemoryStream();
        buffer.Write(NextPrefix);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WritePropertyName("payload");
            json.WriteRawValue(payload, skipInputValidation: true);
            json.WriteEndObject();
        }

        buffer.Write(EventEnd);
        return buffer.ToArray();
    }

    private static byte[] OperationComplete(string id)
    {
        using var buffer = new MemoryStream();
        buffer.Write(CompleteIdPrefix);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteEndObject();
        }

        buffer.Write(EventEnd);
        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a GraphQL event stream request: no reservation of caller {CallerKey} has its token on this replica")]
    private static partial void LogUnknownToken(ILogger logger, string callerKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a second GraphQL event stream for one reservation of caller {CallerKey}")]
    private static partial void LogSecondStream(ILogger logger, string callerKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "A GraphQL event stream reservation of caller {CallerKey} expired: no stream within {Seconds} s (GraphQL:Streaming:ConnectionInitTimeout)")]
    private static partial void LogReservationExpired(ILogger logger, string callerKey, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused an operation on a GraphQL event stream ({Code}): {Reason}")]
    private static partial void LogOperationRefused(ILogger logger, string code, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused an operation on a GraphQL event stream: it runs {Limit} operations already")]
    private static partial void LogTooManySubscriptions(ILogger logger, int limit);

    [LoggerMessage(Level = LogLevel.Error, Message = "An operation on a GraphQL event stream failed")]
    private static partial void LogOperationFailed(ILogger logger, Exception exception);
}
