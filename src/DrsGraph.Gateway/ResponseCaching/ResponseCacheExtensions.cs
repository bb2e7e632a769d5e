using DrsGraph.Gateway.Caching;
using GraphQL;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DrsGraph.Gateway.ResponseCaching;

public static class ResponseCacheExtensions
{
    /// <summary>
    /// The answer cache (<see cref="OperationResponseCache"/>) on the job cache's memory level, when that is on. Call after
    /// the security hooks: its execution hook must run inside the document limits and the rate limiter's charge, so a
    /// replayed answer is limited and charged as an executed one.
    /// </summary>
    public static WebApplicationBuilder AddResponseCache(this WebApplicationBuilder builder)
    {
        if (!JobCacheExtensions.IsEnabled(builder.Configuration))
        {
            return builder;
        }

        var services = builder.Services;
        services.AddHttpContextAccessor();
        services.TryAddSingleton<OperationResponseCache>();
        services.AddGraphQL(graphQL => graphQL.ConfigureExecution((options, next) =>
            options.RequestServices?.GetService<OperationResponseCache>() is { } cache ? cache.ExecuteAsync(options, next) : next(options)));
        return builder;
    }
}
