namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// Builds the GraphQL user context. Optional service: without one every operation gets an empty dictionary.
/// </summary>
public interface IGraphQLUserContextBuilder
{
    /// <summary>Called once per GraphQL operation (each entry of a batch gets its own).</summary>
    ValueTask<IDictionary<string, object?>> BuildUserContextAsync(HttpContext context, CancellationToken cancellationToken);
}
