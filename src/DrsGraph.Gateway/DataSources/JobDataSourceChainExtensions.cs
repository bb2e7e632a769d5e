using DrsGraph.DrsClient;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.JobLists;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.DataSources;

public static class JobDataSourceChainExtensions
{
    /// <summary>
    /// Registers the data source chain. The decorators are composed here, in order, and nowhere else:
    /// the order of the other <c>Add*</c> calls does not matter.
    /// </summary>
    public static WebApplicationBuilder AddJobDataSourceChain(this WebApplicationBuilder builder)
    {
        var services = builder.Services;

        // Innermost: DRS itself, wire records mapped to the gateway's vocabulary.
        services.AddSingleton(sp => new DrsJobDataSource(sp.GetRequiredService<IDrsClient>()));

        // Then the cache in front of it (AddJobCache registers its levels), unless Gateway:Cache:Enabled is false.
        // Resolvable as itself too, for its statistics.
        var cached = JobCacheExtensions.IsEnabled(builder.Configuration);
        if (cached)
        {
            services.AddSingleton(sp => JobCacheExtensions.CreateCache(sp, inner: sp.GetRequiredService<DrsJobDataSource>()));
        }

        services.AddSingleton(sp => new JobDataSourceChain(
            cached ? sp.GetRequiredService<CachingJobDataSource>() : sp.GetRequiredService<DrsJobDataSource>(),
            // Subscription polls: past the cache's freshness to DRS, answers stored for queries too.
            cached ? sp.GetRequiredService<CachingJobDataSource>().Refreshing : sp.GetRequiredService<DrsJobDataSource>()));

        // Outermost, per operation: the request budget (JobDataSourceChain.ForOperation).

        // The job list (browsing): DRS's list call, then the list cache, which also primes the status cache above.
        services.AddOptions<JobListCacheOptions>().BindConfiguration(JobCacheOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new DrsJobListSource(sp.GetRequiredService<IDrsClient>()));
        if (cached)
        {
            services.AddSingleton(sp => new CachingJobListSource(
                sp.GetRequiredService<DrsJobListSource>(),
                sp.GetRequiredService<CachingJobDataSource>(),
                sp.GetRequiredService<JobCacheKeys>(),
                sp.GetRequiredService<IOptions<JobListCacheOptions>>(),
                sp.GetRequiredService<IOptions<JobCacheOptions>>().Value.StaleGrace,
                sp.GetRequiredKeyedService<TimeProvider>(JobCacheExtensions.ClockKey)));
        }

        services.AddSingleton<IJobListSource>(sp => cached ? sp.GetRequiredService<CachingJobListSource>() : sp.GetRequiredService<DrsJobListSource>());
        return builder;
    }
}
