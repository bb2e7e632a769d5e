using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Limits;

public static class RequestBudgetExtensions
{
    /// <summary>
    /// Binds <see cref="RequestBudgetOptions"/>. The budget itself is handed to each operation's loaders
    /// by the GraphQL layer (see <see cref="GraphQLHttp.GatewayUserContextBuilder"/>).
    /// </summary>
    public static WebApplicationBuilder AddRequestBudget(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RequestBudgetOptions>().BindConfiguration(RequestBudgetOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    /// <summary>Starts each request's budget clock as it arrives (on the injected <see cref="TimeProvider"/>).</summary>
    public static WebApplication UseRequestBudget(this WebApplication app)
    {
        var budget = app.Services.GetRequiredService<IOptions<RequestBudgetOptions>>().Value.RequestTimeout;
        var timeProvider = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<RequestBudget>();
        app.Use(async (context, next) =>
        {
            using var expiry = new CancellationTokenSource(budget, timeProvider);
            var requestBudget = new RequestBudget(budget, expiry.Token);
            context.Features.Set(requestBudget);
            try
            {
                await next(context);
            }
            finally
            {
                // One line for everything the budget cut short in this request, its operations and fields together.
                requestBudget.LogIfRanOut(logger);
            }
        });
        return app;
    }
}
