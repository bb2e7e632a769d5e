using DrsGraph.Gateway.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Caching;

public static class JobCacheExtensions
{
    /// <summary>Service key of the cache's clock. Defaults to the app's <see cref="TimeProvider"/>; tests register their own under this key.</summary>
    public const string ClockKey = "DrsGraph.Cache.Clock";

    /// <summary>The connection string name of the shared level: <c>ConnectionStrings:Redis</c>.</summary>
    public const string RedisConnectionName = "Redis";

    /// <summary>
    /// Wraps the registered <see cref="IJobDataSource"/> in <see cref="CachingJobDataSource"/>: memory,
    /// plus Redis when <c>ConnectionStrings:Redis</c> is set. Call after <c>AddJobGraph()</c>.
    /// </summary>
    public static WebApplicationBuilder AddJobCache(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<JobCacheOptions>().BindConfiguration(JobCacheOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (!builder.Configuration.GetValue($"{JobCacheOptions.SectionName}:{nameof(JobCacheOptions.Enabled)}", true))
        {
            return builder;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton<TimeProvider>(ClockKey, static (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.AddMetrics();
        services.TryAddSingleton<JobCacheMetrics>();
        services.TryAddSingleton<JobCacheKeys>();

        var redis = builder.Configuration.GetConnectionString(RedisConnectionName);
        if (string.IsNullOrWhiteSpace(redis))
        {
            services.TryAddSingleton<ISharedJobCache, NoSharedJobCache>();
        }
        else
        {
            services.TryAddSingleton(sp => new RedisJobCache(
                redis,
                sp.GetRequiredService<IOptions<JobCacheOptions>>(),
                sp.GetRequiredService<JobCacheMetrics>(),
                sp.GetRequiredService<ILogger<RedisJobCache>>()));
            services.TryAddSingleton<ISharedJobCache>(sp => sp.GetRequiredService<RedisJobCache>());
            // Connects in the background and drains the write queue; start-up never waits for Redis.
            services.AddHostedService(sp => sp.GetRequiredService<RedisJobCache>());
        }

        Decorate(services);
        return builder;
    }

    private static void Decorate(IServiceCollection services)
    {
        var inner = services.LastOrDefault(d => d.ServiceType == typeof(IJobDataSource) && !d.IsKeyedService)
            ?? throw new InvalidOperationException($"No {nameof(IJobDataSource)} to cache: call AddJobGraph() before AddJobCache().");
        services.Remove(inner);
        // Resolvable as itself too, for its statistics (other decorators may wrap the IJobDataSource).
        services.AddSingleton(sp => new CachingJobDataSource(
            Create(sp, inner),
            sp.GetRequiredService<JobCacheKeys>(),
            sp.GetRequiredService<ISharedJobCache>(),
            sp.GetRequiredService<JobCacheMetrics>(),
            sp.GetRequiredService<IOptions<JobCacheOptions>>(),
            sp.GetRequiredKeyedService<TimeProvider>(ClockKey),
            sp.GetRequiredService<ILogger<CachingJobDataSource>>()));
        services.AddSingleton<IJobDataSource>(sp => sp.GetRequiredService<CachingJobDataSource>());
    }

    private static IJobDataSource Create(IServiceProvider services, ServiceDescriptor descriptor) => (IJobDataSource)(
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(services)
        ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));
}
