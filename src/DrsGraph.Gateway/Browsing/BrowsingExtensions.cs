using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DrsGraph.Gateway.Browsing;

public static class BrowsingExtensions
{
    /// <summary>
    /// Browsing jobs: filter, sort and page them with HotChocolate.Data's conventions; options in
    /// <c>Gateway:Browse</c>. The graph types are registered with the rest of the schema's assembly.
    /// </summary>
    public static WebApplicationBuilder AddJobBrowsing(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<BrowseOptions>().BindConfiguration(BrowseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BrowseCursors>();
        services.AddSingleton<JobBrowser>();
        services.AddSingleton<JobBrowsingFields>();
        return builder;
    }
}
