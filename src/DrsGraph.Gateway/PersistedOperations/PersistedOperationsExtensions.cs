using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Security;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.PersistedOperations;

public static class PersistedOperationsExtensions
{
    /// <summary>
    /// Automatic persisted queries (memory LRU, plus Redis when <c>ConnectionStrings:Redis</c> is set) and trusted
    /// documents, bound from <c>Gateway:PersistedOperations</c> and validated at start-up (every trusted document parses).
    /// </summary>
    public static WebApplicationBuilder AddPersistedOperations(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PersistedOperationsOptions>()
            .BindConfiguration(PersistedOperationsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(sp => TrustedDocuments.Load(sp.GetRequiredService<IOptions<PersistedOperationsOptions>>().Value));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PersistedOperationsOptions>>().Value;
            return new MemoryPersistedQueryStore(options.MaxMemoryEntries, options.MaxMemoryMegabytes * 1024L * 1024L);
        });
        services.AddSingleton<PersistedOperationsMetrics>();
        if (builder.Configuration.GetConnectionString(JobCacheExtensions.RedisConnectionName) is { Length: > 0 } redis)
        {
            services.AddSingleton(sp => new RedisPersistedQueryStore(
                redis,
                sp.GetRequiredService<IOptions<PersistedOperationsOptions>>(),
                sp.GetRequiredService<IOptions<JobCacheOptions>>(),
                sp.GetRequiredService<ILogger<RedisPersistedQueryStore>>()));
        }

        // Keyed as the rate limiter keys callers and addresses (AddGatewaySecurity registers it).
        services.AddSingleton(sp => new RegistrationQuota(
            sp.GetRequiredService<IOptions<PersistedOperationsOptions>>(), sp.GetRequiredService<CallerRateLimiter>()));
        services.AddSingleton(sp => new PersistedOperationResolver(
            sp.GetRequiredService<IOptions<PersistedOperationsOptions>>(),
            sp.GetRequiredService<TrustedDocuments>(),
            sp.GetRequiredService<MemoryPersistedQueryStore>(),
            sp.GetRequiredService<PersistedOperationsMetrics>(),
            sp.GetRequiredService<ILogger<PersistedOperationResolver>>(),
            sp.GetService<RedisPersistedQueryStore>(),
            sp.GetRequiredService<RegistrationQuota>()));
        return builder;
    }
}
