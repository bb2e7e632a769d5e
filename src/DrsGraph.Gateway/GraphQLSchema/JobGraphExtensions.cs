using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.DataSources;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.GraphQLHttp;
using DrsGraph.Gateway.Limits;
using GraphQL;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.GraphQLSchema;

public static class JobGraphExtensions
{
    /// <summary>The Job schema and the caller context read from headers (the loaders' data sources: <see cref="JobDataSourceChainExtensions.AddJobDataSourceChain"/>).</summary>
    public static WebApplicationBuilder AddJobGraph(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CallerOptions>().BindConfiguration(CallerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CallerContextBuilder>();
        // TryAdd: service identities (AddServiceIdentity) register their resolver first when switched on.
        services.TryAddSingleton<ICallerResolver, HeaderCallerResolver>();
        services.AddSingleton<IGraphQLUserContextBuilder, GatewayUserContextBuilder>();
        services.AddSingleton(sp => new CappedExecutionErrors.Listener(sp.GetRequiredService<IOptions<QueryLimitOptions>>().Value.MaxErrors));
        services.AddGraphQL(graphQL => graphQL
            .AddSchema<JobSchema>()
            .AddGraphTypes(typeof(JobSchema).Assembly)
            // GraphQL.NET's System.Text.Json serializer, writing answers into their bounded buffer as it goes.
            .AddSerializer<BufferedGraphQLSerializer>()
            .ConfigureExecutionOptions(options =>
            {
                // Clients get "Error trying to resolve field"; operators get the exception, in the log.
                var logger = options.RequestServices?.GetService<ILogger<JobSchema>>();
                if (options.RequestServices?.GetService<CappedExecutionErrors.Listener>() is { } errorCap)
                {
                    options.Listeners.Add(errorCap);
                }

                options.UnhandledExceptionDelegate = context =>
                {
                    if (logger is not null)
                    {
                        GraphLog.UnhandledResolverException(logger, context.FieldContext?.FieldDefinition.Name, context.OriginalException);
                    }

                    return Task.CompletedTask;
                };
            })
            .AddErrorInfoProvider<GatewayErrorInfoProvider>()
            // Also on cached documents: the job budget depends on the variables (the ids lists).
            .AddValidationRule<JobBudgetRule>(useForCachedDocuments: true)
            // A cached document may hold a query and a mutation: the operation picked is checked on every request.
            .AddValidationRule<QueryRootOnlyRule>(useForCachedDocuments: true)
            .AddComplexityAnalyzer((complexity, sp) =>
            {
                // Depth only: the per-field impact model cannot see list lengths, JobBudgetRule can.
                complexity.MaxDepth = sp.GetRequiredService<IOptions<QueryLimitOptions>>().Value.MaxDepth;
                complexity.MaxComplexity = null;
            }));
        return builder;
    }
}
