using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.GraphQLHttp;
using GraphQL;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DrsGraph.Gateway.Jobs;

public static class JobGraphExtensions
{
    /// <summary>The Job schema, its DataLoaders' data source, and the caller context read from headers.</summary>
    public static WebApplicationBuilder AddJobGraph(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<JobQueryOptions>().BindConfiguration(JobQueryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CallerOptions>().BindConfiguration(CallerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<IJobDataSource, DrsJobDataSource>();
        services.AddSingleton<IGraphQLUserContextBuilder, CallerContextBuilder>();
        services.AddGraphQL(graphQL => graphQL
            .AddSchema<JobSchema>()
            .AddGraphTypes(typeof(JobSchema).Assembly)
            .AddSystemTextJson()
            .AddErrorInfoProvider(errors =>
            {
                // extensions.code plus our data (kind, jobId, upstream request id); no duplicate "codes" array.
                errors.ExposeCodes = false;
                errors.ExposeData = true;
            }));
        return builder;
    }
}
