using DrsGraph.Gateway.DataSources;
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
    /// The levels of the job cache: memory, plus Redis when <c>ConnectionStrings:Redis</c> is set. The
    /// <see cref="CachingJobDataSource"/> itself is put in front of DRS by <see cref="JobDataSourceChainExtensions.AddJobDataSourceChain"/>.
    /// </summary>
    public static WebApplicationBuilder AddJobCache(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<JobCacheOptions>().BindConfiguration(JobCacheOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        // Checked even with the cache off: persisted operations and subscriptions use the same Redis.
        services.AddOptions<RedisConnectionSetting>()
            .Configure<IConfiguration>((setting, configuration) => setting.Value = configuration.GetConnectionString(RedisConnectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisConnectionSetting>, RedisConnectionValidation>());
        if (!IsEnabled(builder.Configuration))
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
            // One Warning when Redis goes, one Information when it is back, shared with the readiness check.
            services.TryAddSingleton<RedisReachability>();
            services.TryAddSingleton(sp => new RedisJobCache(
                redis,
                sp.GetRequiredService<IOptions<JobCacheOptions>>(),
                sp.GetRequiredService<JobCacheMetrics>(),
                sp.GetRequiredService<ILogger<RedisJobCache>>(),
                sp.GetRequiredService<RedisReachability>()));
            services.TryAddSingleton<ISharedJobCache>(sp => sp.GetRequiredService<RedisJobCache>());
            // Connects in the background and drains the write queue; start-up never waits for Redis.
            services.AddHostedService(sp => sp.GetRequiredService<RedisJobCache>());
        }

        return builder;
    }

    /// <summary><c>Gateway:Cache:Enabled</c>, true unless set.</summary>
    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetValue($"{JobCacheOptions.SectionName}:{nameof(JobCacheOptions.Enabled)}", true);

    /// <summary>The cache in front of <paramref name="inner"/>, on the levels <see cref="AddJobCache"/> registered.</summary>
    public static CachingJobDataSource CreateCache(IServiceProvider services, IJobDataSource inner) => new(
        inner,
        services.GetRequiredService<JobCacheKeys>(),
        services.GetRequiredService<ISharedJobCache>(),
        services.GetRequiredService<JobCacheMetrics>(),
        services.GetRequiredService<IOptions<JobCacheOptions>>(),
        services.GetRequiredKeyedService<TimeProvider>(ClockKey),
        services.GetRequiredService<ILogger<CachingJobDataSource>>());
}
