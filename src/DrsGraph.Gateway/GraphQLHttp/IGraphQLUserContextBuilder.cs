namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// Builds the GraphQL user context. Optional service: without one every operation gets an empty dictionary.
/// </summary>
public interface IGraphQLUserContextBuilder
{
    /// <summary>
    /// Called once per GraphQL operation (each entry of a batch gets its own) with the headers that identify its caller: the request's over HTTP and
    /// SSE, the upgrade request's merged with <c>connection_init</c>'s payload over a WebSocket
    /// (<see cref="Callers.CallerHeaders.Merge"/>). <paramref name="context"/> is the request (or the upgrade
    /// request, shared by every operation of the socket).
    /// </summary>
    ValueTask<IDictionary<string, object?>> BuildUserContextAsync(HttpContext context, IHeaderDictionary callerHeaders, CancellationToken cancellationToken);

    /// <summary>
    /// Why a WebSocket's credentials are refused at <c>connection_init</c> (the socket closes with 4403), or null to
    /// accept them. Default: accepted, each operation reports its own problems.
    /// </summary>
    ValueTask<string?> RefuseConnectionAsync(HttpContext context, IHeaderDictionary callerHeaders, CancellationToken cancellationToken) =>
        ValueTask.FromResult<string?>(null);
}
