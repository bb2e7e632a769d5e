namespace DrsGraph.Gateway.Limits;

public static class QueryLimitExtensions
{
    /// <summary>
    /// <see cref="QueryLimitOptions"/> from <c>Gateway:Limits</c>, validated at start-up; read by the document
    /// limits, the job budget, the depth analyzer, the <c>jobs</c> field and the connection ceiling.
    /// </summary>
    public static WebApplicationBuilder AddQueryLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<QueryLimitOptions>()
            // Before the binding below, so the new key wins when both are set.
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (configuration.GetValue<int?>(QueryLimitOptions.LegacyMaxIdsPerFieldKey) is { } legacy)
                {
                    options.MaxIdsPerField = legacy;
                }
            })
            .BindConfiguration(QueryLimitOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The connection ceiling, on every address the gateway listens on (Kestrel's own limits, when set, apply too).
        builder.Services.AddSingleton<ConnectionCeiling>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(
            listen => listen.Use(kestrel.ApplicationServices.GetRequiredService<ConnectionCeiling>().Guard)));
        return builder;
    }
}
