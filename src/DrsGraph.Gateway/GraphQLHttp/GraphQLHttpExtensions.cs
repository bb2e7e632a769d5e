using DrsGraph.Gateway.BananaCakePop;
using DrsGraph.Gateway.GraphQLStreaming;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DrsGraph.Gateway.GraphQLHttp;

public static class GraphQLHttpExtensions
{
    /// <summary>
    /// Registers the GraphQL-over-HTTP endpoint's services and binds <see cref="GraphQLHttpOptions"/> from
    /// <c>GraphQL:Http</c>, validated at start-up. The schema, executer and serializer come from <c>AddGraphQL</c>.
    /// </summary>
    public static IServiceCollection AddGraphQLHttp(this IServiceCollection services)
    {
        services.AddOptions<GraphQLHttpOptions>()
            .BindConfiguration(GraphQLHttpOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<BananaCakePopIde>();

        // One execution path for every transport; WebSockets and SSE on the same endpoint (GraphQL:Streaming).
        services.AddOptions<GraphQLStreamingOptions>()
            .BindConfiguration(GraphQLStreamingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(typeof(GraphQLOperationExecutor<>));
        services.TryAddSingleton(typeof(GraphQLWebSocketHandler<>));
        services.TryAddSingleton(typeof(GraphQLEventStreamHandler<>));
        services.TryAddSingleton<StreamingConnections>();
        return services;
    }

    /// <summary>
    /// Maps the GraphQL endpoint for <typeparamref name="TSchema"/> at <paramref name="pattern"/> (GET and POST,
    /// the IDE for browsers, <c>?sdl</c>) and the IDE's assets below it. Conventions (authorization, CORS,
    /// rate limiting) added to the returned builder apply to all of them.
    /// </summary>
    public static IEndpointConventionBuilder MapGraphQLEndpoint<TSchema>(this IEndpointRouteBuilder endpoints, string pattern = "/graphql")
        where TSchema : ISchema
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);

        var endpoint = ActivatorUtilities.CreateInstance<GraphQLHttpEndpoint<TSchema>>(endpoints.ServiceProvider);
        var graphql = endpoints.Map(pattern, endpoint.InvokeAsync).WithDisplayName($"GraphQL {pattern}");
        var assets = endpoints.MapGet(pattern.TrimEnd('/') + "/{**path}", endpoint.ServeIdeAssetAsync).WithDisplayName($"GraphQL IDE assets {pattern}");
        return new CompositeEndpointConventionBuilder([graphql, assets]);
    }

    private sealed class CompositeEndpointConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
