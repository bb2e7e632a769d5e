using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using DrsGraph.Gateway.BananaCakePop;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.GraphQLStreaming;
using DrsGraph.Gateway.Observability;
using DrsGraph.Gateway.PersistedOperations;
using DrsGraph.Gateway.ResponseCaching;
using GraphQL;
using GraphQL.Types;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// The GraphQL over HTTP endpoint for one schema: request parsing, content negotiation, status codes
/// (https://graphql.github.io/graphql-over-http/draft/), batching, CSRF refusal, the IDE and the SDL.
/// WebSocket upgrades and <c>Accept: text/event-stream</c> requests go to their own transports first.
/// </summary>
internal sealed partial class GraphQLHttpEndpoint<TSchema>(
    GraphQLOperationExecutor<TSchema> executor,
    GraphQLWebSocketHandler<TSchema> webSockets,
    GraphQLEventStreamHandler<TSchema> eventStreams,
    IGraphQLSerializer serializer,
    IOptions<GraphQLHttpOptions> options,
    BananaCakePopIde ide,
    ILogger<GraphQLHttpEndpoint<TSchema>> logger)
    where TSchema : ISchema
{

    private readonly GraphQLRequestReader _reader = new(serializer);
    private readonly GraphQLHttpOptions _options = options.Value;
    private string? _sdl;

    // A body Kestrel gives up on (too slow, cut short) is the client's doing and cheap to repeat: ten lines a second at most.
    private readonly Observability.LineBudget _bodyNotReadLines = new(10);

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await HandleAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
            LogClientDisconnected(logger, context.Request.Path);
        }
    }

    /// <summary>GET {endpoint}/{**path}: the IDE's assets and bcp-config.json.</summary>
    public Task ServeIdeAssetAsync(HttpContext context) =>
        _options.EnableIde ? ide.ServeAssetAsync(context) : WriteNotFoundAsync(context);

    private async Task HandleAsync(HttpContext context)
    {
        // A transport is a seam: a WebSocket goes to its handler before anything HTTP is looked at.
        if (context.WebSockets.IsWebSocketRequest)
        {
            await webSockets.HandleAsync(context);
            return;
        }

        var request = context.Request;
        var isGet = HttpMethods.IsGet(request.Method);

        // graphql-sse's single connection mode: PUT reserves a stream, DELETE stops one of its operations. Both
        // methods need a CORS preflight from a browser, so they cannot be forged cross-site.
        if (HttpMethods.IsPut(request.Method))
        {
            await eventStreams.ReserveAsync(context);
            return;
        }

        if (HttpMethods.IsDelete(request.Method))
        {
            await eventStreams.StopOperationAsync(context);
            return;
        }

        if (!isGet && !HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "GET, POST, PUT, DELETE";
            await WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, GraphQLMediaTypes.Json, $"HTTP method {request.Method} is not supported; use GET or POST (PUT and DELETE: the single connection mode of GraphQL over SSE).");
            return;
        }

        if (isGet && await TryServeToolingAsync(context))
        {
            return;
        }

        if (GraphQLEventStreamHandler<TSchema>.StreamToken(request) is { } streamToken
            && (!isGet || GraphQLMediaTypes.PrefersEventStream(request.Headers.Accept)))
        {
            await HandleEventStreamAsync(context, isGet, streamToken);
            return;
        }

        if (GraphQLMediaTypes.PrefersEventStream(request.Headers.Accept))
        {
            await HandleEventStreamAsync(context, isGet);
            return;
        }

        var mediaType = GraphQLMediaTypes.Negotiate(request.Headers.Accept);
        if (mediaType is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status406NotAcceptable, GraphQLMediaTypes.Json,
                $"None of the media types in the Accept header is supported; accept '{GraphQLMediaTypes.GraphQLResponseJson}' or '{GraphQLMediaTypes.Json}'.");
            return;
        }

        if (_options.CsrfProtection && CsrfGuard.ShouldRefuse(request))
        {
            LogCsrfRefused(logger, request.Method, request.Headers.Origin, request.Headers["Sec-Fetch-Site"]);
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, mediaType, CsrfGuard.RefusalMessage, GatewayErrorCodes.CrossSiteRequestRefused, logged: true);
            return;
        }

        if (isGet)
        {
            var caching = BeginCaching(context, isGet: true, Encoding.UTF8.GetBytes(request.QueryString.Value ?? ""));
            await HandleSingleAsync(context, mediaType, caching?.Kept?.Request is { } kept ? new ParsedRequest(kept, null) : _reader.FromQueryString(request.Query), isGet: true, caching);
            return;
        }

        await HandlePostAsync(context, mediaType);
    }

    /// <summary>The IDE for browsers and the SDL; both are GETs without a query to run.</summary>
    private async Task<bool> TryServeToolingAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (query.ContainsKey("sdl") && !query.ContainsKey("query"))
        {
            // The SDL is the schema that introspection would show: with introspection off it stays hidden too,
            // whatever EnableSdl says, or turning introspection off would hide nothing.
            var introspection = context.RequestServices.GetService<IOptions<Security.GatewaySecurityOptions>>()?.Value.EnableIntrospection ?? true;
            if (!_options.EnableSdl || !introspection)
            {
                await WriteNotFoundAsync(context);
                return true;
            }

            await WriteSdlAsync(context);
            return true;
        }

        if (_options.EnableIde && !query.ContainsKey("query") && GraphQLMediaTypes.AcceptsHtml(context.Request.Headers.Accept))
        {
            await ide.ServeIndexAsync(context);
            return true;
        }

        return false;
    }

    /// <summary>
    /// GraphQL over SSE. Without a reservation token (<paramref name="token"/> null) it is graphql-sse's distinct
    /// connections mode: every problem after the CSRF check is an event on the accepted stream. With one, single
    /// connection mode: the GET opens the reservation's stream, a POST runs an operation whose results go to it, and
    /// refusals are plain HTTP answers, as the protocol wants (see <see cref="GraphQLEventStreamHandler{TSchema}"/>).
    /// The CSRF rules hold as for JSON answers in both: an EventSource GET is exactly what a hostile page can make a
    /// browser send.
    /// </summary>
    private async Task HandleEventStreamAsync(HttpContext context, bool isGet, string? token = null)
    {
        var request = context.Request;
        if (_options.CsrfProtection && CsrfGuard.ShouldRefuse(request))
        {
            LogCsrfRefused(logger, request.Method, request.Headers.Origin, request.Headers["Sec-Fetch-Site"]);
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, GraphQLMediaTypes.Json, CsrfGuard.RefusalMessage, GatewayErrorCodes.CrossSiteRequestRefused, logged: true);
            return;
        }

        if (isGet)
        {
            await (token is null
                ? eventStreams.HandleAsync(context, _reader.FromQueryString(request.Query), GraphQLTransport.EventStreamGet)
                : eventStreams.OpenStreamAsync(context, token));
            return;
        }

        var body = ParseJson(await ReadPostAsync(context));
        if (body.Abandoned)
        {
            return;
        }

        using (body.Document)
        {
            var parsed = body.Document is null ? ParsedRequest.Invalid(body.Error!, body.Code)
                : body.Document.RootElement.ValueKind == JsonValueKind.Array ? ParsedRequest.Invalid("Batches are not supported over an event stream; send one JSON object.")
                : _reader.FromJson(body.Document.RootElement);
            await (token is null
                ? eventStreams.HandleAsync(context, parsed, GraphQLTransport.EventStreamPost)
                : eventStreams.StartOperationAsync(context, token, parsed, body.Document?.RootElement, body.Document is null ? body.Status : StatusCodes.Status400BadRequest));
        }
    }

    private async Task HandlePostAsync(HttpContext context, string mediaType)
    {
        var body = await ReadPostAsync(context);
        if (body.Abandoned)
        {
            return;
        }

        // A body that can only be one operation (one JSON object) may have a kept answer. The key holds the body's
        // bytes exactly (valid UTF-8 decodes one way only), so a kept answer's request was parsed from these very
        // bytes: it is used as it is, and the body is not parsed again.
        ResponseCacheRequest? caching = null;
        if (body.Bytes is { } sent && FirstNonSpace(sent) == (byte)'{' && Utf8.IsValid(sent))
        {
            caching = BeginCaching(context, isGet: false, sent);
            if (caching?.Kept?.Request is { } kept)
            {
                await HandleSingleAsync(context, mediaType, new ParsedRequest(kept, null), isGet: false, caching);
                return;
            }
        }

        body = ParseJson(body);
        if (body.Document is not { } document)
        {
            if (body.Status == StatusCodes.Status400BadRequest)
            {
                await WriteRequestErrorAsync(context, mediaType, body.Error!, body.Code);
            }
            else
            {
                await WriteErrorAsync(context, body.Status, mediaType, body.Error!, body.Code);
            }

            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                await HandleBatchAsync(context, mediaType, root);
                return;
            }

            await HandleSingleAsync(context, mediaType, _reader.FromJson(root), isGet: false, caching);
        }
    }

    /// <summary>
    /// A POST's body as sent (parsed by <see cref="ParseJson"/>), or the status, message and code of why there is none (415, 413, 400). Requests that are
    /// not well-formed GraphQL-over-HTTP requests get 400 with either media type, as the spec's current draft and
    /// the graphql-http audit (1.23) expect. Abandoned: the body could not be read and the answer is settled.
    /// </summary>
    private async Task<PostBody> ReadPostAsync(HttpContext context)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals(GraphQLMediaTypes.Json, StringComparison.OrdinalIgnoreCase))
        {
            return PostBody.Refused(StatusCodes.Status415UnsupportedMediaType, $"Content-Type '{CallerText.Excerpt(request.ContentType ?? "", 100)}' is not supported; send '{GraphQLMediaTypes.Json}'.");
        }

        // A compressed body was read as text and refused as "not valid UTF-8" (400); RFC 9110 answers an unsupported
        // content coding with 415.
        if (request.Headers.ContentEncoding.ToString() is { Length: > 0 } coding && !coding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return PostBody.Refused(StatusCodes.Status415UnsupportedMediaType, $"Content-Encoding '{CallerText.Excerpt(coding, 50)}' is not supported; send the body uncompressed.");
        }

        // RFC 9110 allows the parameter quoted: charset="utf-8" is UTF-8 too.
        if (contentType.Charset.HasValue && !HeaderUtilities.RemoveQuotes(contentType.Charset).Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return PostBody.Refused(StatusCodes.Status415UnsupportedMediaType, $"Charset '{CallerText.Excerpt(contentType.Charset.ToString(), 50)}' is not supported; send UTF-8.");
        }

        byte[]? body;
        try
        {
            body = await ReadBodyAsync(context);
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException)
        {
            // Kestrel gave up on the body (too slow: 408, cut short: 400) or the client reset the connection:
            // the client's trouble, so one line without a stack trace, not an unhandled-exception Error.
            if (_bodyNotReadLines.TryTake(out var unlogged))
            {
                LogBodyNotRead(logger, context.Connection.RemoteIpAddress, ex.Message, unlogged);
            }

            if (ex is BadHttpRequestException bad)
            {
                if (!context.Response.HasStarted)
                {
                    context.Response.StatusCode = bad.StatusCode;
                }
            }
            else
            {
                // The connection is gone; without this Kestrel would still try to drain the body and log an Error.
                context.Abort();
            }

            return new PostBody(0, null, null, null, Abandoned: true);
        }

        if (body is null)
        {
            return PostBody.Refused(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the {_options.MaxRequestBodyBytes}-byte limit.");
        }

        if (body.Length == 0)
        {
            return PostBody.Refused(StatusCodes.Status400BadRequest, "The request body is empty; send a JSON object with a 'query' member.");
        }

        return new PostBody(StatusCodes.Status200OK, null, null, null, Abandoned: false) { Bytes = body };
    }

    /// <summary>A body <see cref="ReadPostAsync"/> read, parsed as JSON; anything else as it is.</summary>
    private static PostBody ParseJson(PostBody body)
    {
        if (body.Bytes is not { } bytes || body.Document is not null)
        {
            return body;
        }

        return RequestJson.TryParse(bytes, "The request body", out var document, out var jsonError)
            ? body with { Document = document }
            : PostBody.Refused(StatusCodes.Status400BadRequest, jsonError, GatewayErrorCodes.InvalidJson);
    }

    private static byte FirstNonSpace(ReadOnlySpan<byte> body)
    {
        var start = body.IndexOfAnyExcept(" \t\r\n"u8);
        return start < 0 ? (byte)0 : body[start];
    }

    /// <summary>What <see cref="ReadPostAsync"/> found (and <see cref="ParseJson"/> parsed): the body, or why there is none.</summary>
    private sealed record PostBody(int Status, string? Error, string? Code, JsonDocument? Document, bool Abandoned)
    {
        /// <summary>The body as sent: the answer cache's key.</summary>
        public byte[]? Bytes { get; init; }

        public static PostBody Refused(int status, string error, string? code = null) => new(status, error, code ?? GatewayErrorCodes.ForStatus(status), null, Abandoned: false);
    }

    /// <summary>
    /// One operation answered as one JSON body: the answer cache may replay it or keep it (see OperationResponseCache).
    /// Its key is <paramref name="sent"/>, the request as sent (a POST's body, a GET's query string). Null when the
    /// cache is off or the request is too large to be kept.
    /// </summary>
    private static ResponseCacheRequest? BeginCaching(HttpContext context, bool isGet, byte[] sent) =>
        context.RequestServices.GetService<OperationResponseCache>() is { Enabled: true } answers
            ? answers.Begin(isGet, context.Request.Headers, sent)
            : null;

    private async Task HandleSingleAsync(HttpContext context, string mediaType, ParsedRequest parsed, bool isGet, ResponseCacheRequest? caching)
    {
        if (parsed.Error is not null)
        {
            await WriteRequestErrorAsync(context, mediaType, parsed.Error, parsed.Code);
            return;
        }

        if (caching is not null)
        {
            // Kept with the answer, so the same request replayed is not parsed again.
            caching.Request = parsed.Request;
            context.Features.Set(caching);
        }

        var (result, faulted) = await ExecuteAsync(context, parsed.Request!, isGet);
        int status;
        if (faulted)
        {
            status = StatusCodes.Status500InternalServerError;
        }
        else if (!result.Executed && result.Errors?.Any(e => e is HttpMethodNotAllowedError) == true)
        {
            // The spec: a mutation over GET is 405, whatever the media type.
            context.Response.Headers.Allow = "POST";
            status = StatusCodes.Status405MethodNotAllowed;
        }
        else if (!result.Executed && result.Errors?.Any(e => e.Code == GatewayErrorCodes.ServerBusy) == true)
        {
            // Not the request's fault: the same request a moment later may well run.
            context.Response.Headers.RetryAfter = "1";
            status = StatusCodes.Status503ServiceUnavailable;
        }
        else if (!result.Executed && mediaType == GraphQLMediaTypes.GraphQLResponseJson)
        {
            // No data: the request failed parsing, validation or variable coercion.
            status = StatusCodes.Status400BadRequest;
        }
        else
        {
            status = StatusCodes.Status200OK;
        }

        if (isGet && context.RequestServices.GetService<PersistedOperationResolver>() is { } persisted)
        {
            // Off by default (Gateway:PersistedOperations:GetMaxAge); tenant-safe when on (see PersistedQueryCacheHeaders).
            PersistedQueryCacheHeaders.Apply(context, persisted.GetMaxAge, status == StatusCodes.Status200OK && result.Executed && result.Errors is not { Count: > 0 });
        }

        if (result is CachedExecutionResult replayed)
        {
            await WriteBytesAsync(context, status, mediaType, replayed.Body);
            return;
        }

        await WriteAsync(context, status, mediaType, result, caching);
    }

    private async Task HandleBatchAsync(HttpContext context, string mediaType, JsonElement batch)
    {
        if (!_options.EnableBatching)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, mediaType, "Batched requests are not enabled on this endpoint; send one JSON object.", GatewayErrorCodes.InvalidBatch);
            return;
        }

        var count = batch.GetArrayLength();
        if (count == 0 || count > _options.MaxBatchSize)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, mediaType,
                $"A batch must contain between 1 and {_options.MaxBatchSize} operations; this one has {count}.", GatewayErrorCodes.InvalidBatch);
            return;
        }

        // Sequential on purpose: entries share the request's service scope (DataLoader contexts,
        // scoped clients), which is not safe to use from parallel executions.
        var results = new ExecutionResult[count];
        var index = 0;
        foreach (var entry in batch.EnumerateArray())
        {
            var parsed = _reader.FromJson(entry);
            if (parsed.Error is not null)
            {
                // The entry never reaches the executer (whose telemetry logs operations with errors): its line is here.
                LogBatchEntryRefused(logger, index, parsed.Code, parsed.Error);
                results[index++] = ErrorResult(parsed.Error, parsed.Code);
                continue;
            }

            results[index++] = (await ExecuteAsync(context, parsed.Request!, isGet: false)).Result;
        }

        // Batching is outside the spec; every entry carries its own errors, so the batch itself is 200.
        await WriteAsync(context, StatusCodes.Status200OK, mediaType, results);
    }

    private Task<(ExecutionResult Result, bool Faulted)> ExecuteAsync(HttpContext context, GraphQL.Transport.GraphQLRequest request, bool isGet) =>
        executor.ExecuteAsync(context, request, isGet ? GraphQLTransport.HttpGet : GraphQLTransport.HttpPost, context.Request.Headers, context.RequestServices, context.RequestAborted);

    private async Task WriteSdlAsync(HttpContext context)
    {
        if (_sdl is null)
        {
            var schema = context.RequestServices.GetRequiredService<TSchema>();
            schema.Initialize();
            _sdl = schema.Print();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        await context.Response.WriteAsync(_sdl, context.RequestAborted);
    }

    /// <summary>Largest announced body read straight into an array of its size (real queries are a few KB).</summary>
    private const long ExactReadBytes = 16 * 1024;

    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var limit = _options.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            return null;
        }

        // Our limit, not the server-wide one (Kestrel's 30 MB default), governs this endpoint.
        var serverLimit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (serverLimit is { IsReadOnly: false })
        {
            serverLimit.MaxRequestBodySize = limit + 1;
        }

        if (context.Request.ContentLength is { } length and <= ExactReadBytes)
        {
            // Kestrel ends the body at its Content-Length and fails one cut short (BadHttpRequestException, or an
            // IOException for a reset): the body fills this array exactly, with no copy. Only for bodies the size of
            // real queries: a client that announces a megabyte and sends nothing would hold a megabyte per connection.
            var exact = new byte[length];
            await context.Request.Body.ReadExactlyAsync(exact, context.RequestAborted);
            return exact;
        }

        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// A request that is not a well-formed GraphQL-over-HTTP request (body, JSON, parameters): 400 with
    /// either media type, as the spec's current draft and the graphql-http audit (1.23) expect. Requests
    /// that are well-formed but fail parsing or validation of the document are not this: see HandleSingleAsync.
    /// </summary>
    private Task WriteRequestErrorAsync(HttpContext context, string mediaType, string message, string? code = null)
    {
        code ??= GatewayErrorCodes.InvalidRequest;
        // The client's mistake: one line, no stack trace.
        LogRequestRefused(logger, code, message);
        return WriteAsync(context, StatusCodes.Status400BadRequest, mediaType, ErrorResult(message, code));
    }

    /// <summary>
    /// A refusal of the request as a whole (405, 406, 413, 415, batches): one Information line with the status and the
    /// reason, which names limits and media types, never the token or the query. <paramref name="logged"/>: the caller
    /// has logged a line of its own (the CSRF refusal, with the headers that decided it).
    /// </summary>
    private Task WriteErrorAsync(HttpContext context, int status, string mediaType, string message, string? code = null, bool logged = false)
    {
        if (!logged)
        {
            LogRefused(logger, status, message);
        }

        return WriteAsync(context, status, mediaType, ErrorResult(message, code ?? GatewayErrorCodes.ForStatus(status)));
    }

    private async Task WriteAsync<TResult>(HttpContext context, int status, string mediaType, TResult result, ResponseCacheRequest? caching = null)
    {
        // Serialized into a bounded buffer first: past GraphQL:Http:MaxResponseBytes the whole answer becomes
        // one clear error, never an out-of-memory or a half-written 200 the client cannot parse.
        using var buffer = new BoundedResponseBuffer(_options.MaxResponseBytes);
        var tooLarge = false;
        try
        {
            await serializer.WriteAsync(buffer, result, context.RequestAborted);
        }
        catch (ResponseTooLargeException ex)
        {
            tooLarge = true;
            LogResponseTooLarge(logger, ex.Ceiling, context.Request.Path);
            var refusal = new ExecutionResult { Errors = [new ExecutionError(ex.Message + " Ask for fewer jobs or fewer fields.") { Code = GatewayErrorCodes.ResponseTooLarge }] };
            buffer.Clear();
            if (result is ExecutionResult[] batch)
            {
                // A batch keeps its shape (and its 200): one refusal per operation.
                await serializer.WriteAsync(buffer, batch.Select(_ => refusal).ToArray(), context.RequestAborted);
            }
            else
            {
                // As a refusal by the result-size estimate: 400 with graphql-response+json, 200 with json.
                status = mediaType == GraphQLMediaTypes.GraphQLResponseJson ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
                await serializer.WriteAsync(buffer, refusal, context.RequestAborted);
            }
        }

        if (caching is not null && result is ExecutionResult executed && !tooLarge)
        {
            context.RequestServices.GetService<OperationResponseCache>()?.Keep(caching, executed, buffer.WrittenMemory.Span);
        }

        await WriteBytesAsync(context, status, mediaType, buffer.WrittenMemory);
    }

    private static async Task WriteBytesAsync(HttpContext context, int status, string mediaType, ReadOnlyMemory<byte> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = GraphQLMediaTypes.ContentTypeOf(mediaType);
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static Task WriteNotFoundAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static ExecutionResult ErrorResult(string message, string? code = null) => new() { Errors = [new ExecutionError(message) { Code = code }] };

    [LoggerMessage(Level = LogLevel.Debug, Message = "GraphQL request to {Path} cancelled: the client disconnected")]
    private static partial void LogClientDisconnected(ILogger logger, PathString path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a possible CSRF {Method} request (Origin '{Origin}', Sec-Fetch-Site '{FetchSite}')")]
    private static partial void LogCsrfRefusedCore(ILogger logger, string method, CallerText.LogValue origin, CallerText.LogValue fetchSite);

    // Header values and reasons quoting the caller's text (a Content-Type, an Origin) are escaped and cut short: a 30 KB
    // Content-Type made a 30 KB line, and raw control characters in it wrote to the operator's terminal.
    private static void LogCsrfRefused(ILogger logger, string method, StringValues origin, StringValues fetchSite) =>
        LogCsrfRefusedCore(logger, method, new CallerText.LogValue(origin.ToString(), 200), new CallerText.LogValue(fetchSite.ToString(), 50));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused to send a GraphQL answer to {Path} larger than the {Ceiling}-byte response ceiling")]
    private static partial void LogResponseTooLarge(ILogger logger, long ceiling, PathString path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a malformed GraphQL request ({Code}): {Reason}")]
    private static partial void LogRequestRefusedCore(ILogger logger, string? code, CallerText.LogValue reason);

    private static void LogRequestRefused(ILogger logger, string? code, string reason) =>
        LogRequestRefusedCore(logger, code, new CallerText.LogValue(reason, 500));

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a GraphQL request with {Status}: {Reason}")]
    private static partial void LogRefusedCore(ILogger logger, int status, CallerText.LogValue reason);

    private static void LogRefused(ILogger logger, int status, string reason) =>
        LogRefusedCore(logger, status, new CallerText.LogValue(reason, 500));

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused entry {Index} of a GraphQL batch ({Code}): {Reason}")]
    private static partial void LogBatchEntryRefusedCore(ILogger logger, int index, string? code, CallerText.LogValue reason);

    private static void LogBatchEntryRefused(ILogger logger, int index, string? code, string reason) =>
        LogBatchEntryRefusedCore(logger, index, code, new CallerText.LogValue(reason, 500));

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped reading a GraphQL request body from {RemoteAddress}: {Reason} ({Unlogged} more not logged since the last such line: ten a second at most)")]
    private static partial void LogBodyNotRead(ILogger logger, System.Net.IPAddress? remoteAddress, string reason, long unlogged);
}
