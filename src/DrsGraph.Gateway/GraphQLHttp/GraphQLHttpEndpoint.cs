using System.Buffers;
using System.Text.Json;
using DrsGraph.Gateway.BananaCakePop;
using DrsGraph.Gateway.Errors;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQL.Validation;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// The GraphQL over HTTP endpoint for one schema: request parsing, content negotiation, status codes
/// (https://graphql.github.io/graphql-over-http/draft/), batching, CSRF refusal, the IDE and the SDL.
/// </summary>
internal sealed partial class GraphQLHttpEndpoint<TSchema>(
    IDocumentExecuter<TSchema> executer,
    IGraphQLSerializer serializer,
    IOptions<GraphQLHttpOptions> options,
    BananaCakePopIde ide,
    ILogger<GraphQLHttpEndpoint<TSchema>> logger)
    where TSchema : ISchema
{
    private static readonly IValidationRule[] GetValidationRules = [.. DocumentValidator.CoreRules, HttpGetQueriesOnlyRule.Instance];
    private static readonly IValidationRule[] GetCachedDocumentValidationRules = [HttpGetQueriesOnlyRule.Instance];

    private readonly GraphQLRequestReader _reader = new(serializer);
    private readonly GraphQLHttpOptions _options = options.Value;
    private string? _sdl;

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
        var request = context.Request;
        var isGet = HttpMethods.IsGet(request.Method);
        if (!isGet && !HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "GET, POST";
            await WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, GraphQLMediaTypes.Json, $"HTTP method {request.Method} is not supported; use GET or POST.");
            return;
        }

        if (isGet && await TryServeToolingAsync(context))
        {
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
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, mediaType, CsrfGuard.RefusalMessage);
            return;
        }

        if (isGet)
        {
            await HandleSingleAsync(context, mediaType, _reader.FromQueryString(request.Query), isGet: true);
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
            if (!_options.EnableSdl)
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

    private async Task HandlePostAsync(HttpContext context, string mediaType)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals(GraphQLMediaTypes.Json, StringComparison.OrdinalIgnoreCase))
        {
            await WriteErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, mediaType,
                $"Content-Type '{request.ContentType}' is not supported; send '{GraphQLMediaTypes.Json}'.");
            return;
        }

        // RFC 9110 allows the parameter quoted: charset="utf-8" is UTF-8 too.
        if (contentType.Charset.HasValue && !HeaderUtilities.RemoveQuotes(contentType.Charset).Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            await WriteErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, mediaType,
                $"Charset '{contentType.Charset}' is not supported; send UTF-8.");
            return;
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
            LogBodyNotRead(logger, context.Connection.RemoteIpAddress, ex.Message);
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

            return;
        }

        if (body is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, mediaType,
                $"The request body is larger than the {_options.MaxRequestBodyBytes}-byte limit.");
            return;
        }

        if (body.Length == 0)
        {
            await WriteRequestErrorAsync(context, mediaType, "The request body is empty; send a JSON object with a 'query' member.");
            return;
        }

        if (!RequestJson.TryParse(body, "The request body", out var document, out var jsonError))
        {
            await WriteRequestErrorAsync(context, mediaType, jsonError, GatewayErrorCodes.InvalidJson);
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

            await HandleSingleAsync(context, mediaType, _reader.FromJson(root), isGet: false);
        }
    }

    private async Task HandleSingleAsync(HttpContext context, string mediaType, ParsedRequest parsed, bool isGet)
    {
        if (parsed.Error is not null)
        {
            await WriteRequestErrorAsync(context, mediaType, parsed.Error, parsed.Code);
            return;
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
        else if (!result.Executed && mediaType == GraphQLMediaTypes.GraphQLResponseJson)
        {
            // No data: the request failed parsing, validation or variable coercion.
            status = StatusCodes.Status400BadRequest;
        }
        else
        {
            status = StatusCodes.Status200OK;
        }

        await WriteAsync(context, status, mediaType, result);
    }

    private async Task HandleBatchAsync(HttpContext context, string mediaType, JsonElement batch)
    {
        if (!_options.EnableBatching)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, mediaType, "Batched requests are not enabled on this endpoint; send one JSON object.");
            return;
        }

        var count = batch.GetArrayLength();
        if (count == 0 || count > _options.MaxBatchSize)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, mediaType,
                $"A batch must contain between 1 and {_options.MaxBatchSize} operations; this one has {count}.");
            return;
        }

        // Sequential on purpose: entries share the request's service scope (DataLoader contexts,
        // scoped clients), which is not safe to use from parallel executions.
        var results = new ExecutionResult[count];
        var index = 0;
        foreach (var entry in batch.EnumerateArray())
        {
            var parsed = _reader.FromJson(entry);
            results[index++] = parsed.Error is null
                ? (await ExecuteAsync(context, parsed.Request!, isGet: false)).Result
                : ErrorResult(parsed.Error, parsed.Code);
        }

        // Batching is outside the spec; every entry carries its own errors, so the batch itself is 200.
        await WriteAsync(context, StatusCodes.Status200OK, mediaType, results);
    }

    private async Task<(ExecutionResult Result, bool Faulted)> ExecuteAsync(HttpContext context, GraphQLRequest request, bool isGet)
    {
        var cancellationToken = context.RequestAborted;
        try
        {
            var userContextBuilder = context.RequestServices.GetService<IGraphQLUserContextBuilder>();
            var userContext = userContextBuilder is null
                ? new Dictionary<string, object?>()
                : await userContextBuilder.BuildUserContextAsync(context, cancellationToken);

            var executionOptions = new ExecutionOptions
            {
                Query = request.Query,
                OperationName = request.OperationName,
                Variables = request.Variables,
                Extensions = request.Extensions,
                RequestServices = context.RequestServices,
                UserContext = userContext,
                CancellationToken = cancellationToken,
            };
            if (isGet)
            {
                // AddGraphQL's own rules (complexity, ...) are appended to these by ConfigureExecutionOptions.
                executionOptions.ValidationRules = GetValidationRules;
                executionOptions.CachedDocumentValidationRules = GetCachedDocumentValidationRules;
            }

            return (await executer.ExecuteAsync(executionOptions), false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // Whatever escaped the executer (user context, configuration, ThrowOnUnhandledException)
            // becomes this operation's GraphQL error; other entries of a batch still run.
            LogExecutionFailed(logger, ex, request.OperationName);
            var message = _options.ExposeExceptionDetails
                ? $"The request could not be executed: {ex.GetType().Name}: {ex.Message}"
                : "The request could not be executed because of an internal error.";
            return (ErrorResult(message), true);
        }
    }

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
        // The client's mistake: one line, no stack trace.
        LogRequestRefused(logger, code, message);
        return WriteAsync(context, StatusCodes.Status400BadRequest, mediaType, ErrorResult(message, code));
    }

    private Task WriteErrorAsync(HttpContext context, int status, string mediaType, string message) =>
        WriteAsync(context, status, mediaType, ErrorResult(message));

    private async Task WriteAsync<TResult>(HttpContext context, int status, string mediaType, TResult result)
    {
        // Serialized into a bounded buffer first: past GraphQL:Http:MaxResponseBytes the whole answer becomes
        // one clear error, never an out-of-memory or a half-written 200 the client cannot parse.
        using var buffer = new BoundedResponseBuffer(_options.MaxResponseBytes);
        try
        {
            await serializer.WriteAsync(buffer, result, context.RequestAborted);
        }
        catch (ResponseTooLargeException ex)
        {
            LogResponseTooLarge(logger, ex.Ceiling, context.Request.Path);
            var refusal = new ExecutionResult { Errors = [new ExecutionError(ex.Message + " Ask for fewer jobs or fewer fields.") { Code = GatewayErrorCodes.ResponseTooLarge }] };
            buffer.SetLength(0);
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

        context.Response.StatusCode = status;
        context.Response.ContentType = GraphQLMediaTypes.ContentTypeOf(mediaType);
        context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
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
    private static partial void LogCsrfRefused(ILogger logger, string method, StringValues origin, StringValues fetchSite);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused to send a GraphQL answer to {Path} larger than the {Ceiling}-byte response ceiling")]
    private static partial void LogResponseTooLarge(ILogger logger, long ceiling, PathString path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a malformed GraphQL request ({Code}): {Reason}")]
    private static partial void LogRequestRefused(ILogger logger, string? code, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped reading a GraphQL request body from {RemoteAddress}: {Reason}")]
    private static partial void LogBodyNotRead(ILogger logger, System.Net.IPAddress? remoteAddress, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "GraphQL operation '{OperationName}' failed outside the executer")]
    private static partial void LogExecutionFailed(ILogger logger, Exception exception, string? operationName);
}
