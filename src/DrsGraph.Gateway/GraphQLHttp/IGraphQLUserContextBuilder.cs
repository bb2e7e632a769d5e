namespace DrsGraph.Gateway.GraphQLHttp;

public interface IGraphQLUserContextBuilder
{
    ValueTask<IDictionary<string, object?>> BuildUserContextAsync(HttpContext context, CancellationToken cancellationToken);
}
