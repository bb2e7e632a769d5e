using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;

namespace DrsGraph.Gateway.GraphQLHttp;

// TEMPORARY minimal endpoint until the real GraphQL-over-HTTP middleware is merged.
public static class TemporaryStub
{
    public static IServiceCollection AddGraphQLHttp(this IServiceCollection services) => services;

    public static IEndpointConventionBuilder MapGraphQLEndpoint<TSchema>(this IEndpointRouteBuilder endpoints, string pattern = "/graphql") where TSchema : ISchema =>
        endpoints.MapPost(pattern, async (HttpContext http, IDocumentExecuter<TSchema> executer, IGraphQLTextSerializer serializer) =>
        {
            var request = await serializer.ReadAsync<GraphQLRequest>(http.Request.Body, http.RequestAborted);
            var builder = http.RequestServices.GetService<IGraphQLUserContextBuilder>();
            var result = await executer.ExecuteAsync(new ExecutionOptions
            {
                Query = request!.Query,
                Variables = request.Variables,
                OperationName = request.OperationName,
                RequestServices = http.RequestServices,
                CancellationToken = http.RequestAborted,
                UserContext = builder is null ? new Dictionary<string, object?>() : await builder.BuildUserContextAsync(http, http.RequestAborted),
            });
            http.Response.ContentType = "application/json";
            await serializer.WriteAsync(http.Response.Body, result, http.RequestAborted);
        });
}
