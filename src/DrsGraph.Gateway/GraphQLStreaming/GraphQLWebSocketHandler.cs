using DrsGraph.Gateway.GraphQLHttp;
using DrsGraph.Gateway.Security;
using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.GraphQLStreaming;

/// <summary>
/// Accepts WebSocket upgrades on the GraphQL endpoint for the graphql-transport-ws protocol (the graphql-ws
/// npm package's PROTOCOL.md) and runs each socket as a <see cref="GraphQLWebSocketConnection{TSchema}"/>.
/// </summary>
internal sealed partial class GraphQLWebSocketHandler<TSchema>(
    GraphQLOperationExecutor<TSchema> executor,
    IGraphQLSerializer serializer,
    StreamingConnections connections,
    IOptions<GraphQLStreamingOptions> options,
    IOptions<GraphQLHttpOptions> httpOptions,
    IOptions<GatewaySecurityOptions> security,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<GraphQLWebSocketConnection<TSchema>> logger)
    where TSchema : ISchema
{
    public const string SubProtocol = "graphql-transport-ws";

    public async Task HandleAsync(HttpContext context)
    {
        // A WebSocket is not subject to CORS: any page could open one to us with its visitor's network position
        // (cross-site WebSocket hijacking). Browsers always send Origin on an upgrade; services send none.
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !IsAllowedOrigin(context, origin))
        {
            // Escaped and cut short: the header is the caller's text.
            LogOriginRefused(logger, new Observability.CallerText.LogValue(origin, 200));

            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        // graphql-ws's server accepts a socket without the subprotocol and closes it with 4406, so the client
        // learns why; refusing the upgrade would only show a failed handshake.
        var offered = context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol, StringComparer.Ordinal);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(offered ? SubProtocol : null);
        StreamingConnections.DropWhenUnacknowledged(context, options.Value.UnacknowledgedTimeout);
        using var open = StreamingConnections.Open(StreamingConnections.WebSocket);
        var connection = new GraphQLWebSocketConnection<TSchema>(
            context, socket, executor, new ResultWriter(serializer, httpOptions.Value.MaxResponseBytes), serializer, connections, options.Value,
            httpOptions.Value.MaxRequestBodyBytes, timeProvider, logger, lifetime.ApplicationStopping);
        await connection.RunAsync(subProtocolAccepted: offered);
    }

    /// <summary>The page's own origin (the IDE served here), or one listed in <c>Gateway:Security:Cors:AllowedOrigins</c>.</summary>
    private bool IsAllowedOrigin(HttpContext context, string origin)
    {
        var allowed = security.Value.Cors.AllowedOrigins;
        if (allowed.Contains("*", StringComparer.Ordinal)
            || allowed.Any(a => string.Equals(a.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return OwnHost.Of(context.Request, origin) is not null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a GraphQL WebSocket from origin '{Origin}': not in Gateway:Security:Cors:AllowedOrigins")]
    private static partial void LogOriginRefused(ILogger logger, Observability.CallerText.LogValue origin);
}
