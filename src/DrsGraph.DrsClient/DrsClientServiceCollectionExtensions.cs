using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;

namespace DrsGraph.DrsClient;

/// <summary>Registers the typed DRS client with its options, endpoint and resilience.</summary>
public static class DrsClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IDrsClient"/>: options from <c>Drs</c> (validated at start-up), the base address
    /// from <see cref="IDrsEndpointProvider"/> (default: <c>Drs:Endpoint</c>), and the standard
    /// resilience handler tuned by <see cref="DrsResilienceDefaults"/> and <c>Drs:Resilience</c>.
    /// </summary>
    /// <returns>The HTTP client builder, so a host can add handlers (e.g. test interception).</returns>
    public static IHttpClientBuilder AddDrsClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<DrsClientOptions>()
            .BindConfiguration(DrsClientOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // TryAdd: a host that provides its own upstream (the gateway's embedded emulator) registers first.
        services.TryAddSingleton<IDrsEndpointProvider, ConfiguredDrsEndpointProvider>();

        var builder = services
            .AddHttpClient<IDrsClient, DrsClient>()
            .ConfigureHttpClient(static (sp, client) =>
            {
                // Resolved per client, so an endpoint known only after start-up (a port-0 emulator) works.
                client.BaseAddress = WithTrailingSlash(sp.GetRequiredService<IDrsEndpointProvider>().BaseAddress);
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            })
            // The token must never reach a log, whatever level the host turns on.
            .RedactLoggedHeaders(static _ => true);

        var resilience = builder.AddStandardResilienceHandler();
        resilience.Configure(static (options, sp) =>
        {
            DrsResilienceDefaults.Apply(options);
            sp.GetRequiredService<IConfiguration>().GetSection(DrsResilienceDefaults.SectionName).Bind(options);
            DrsResilienceDefaults.GiveUpOnLongRetryAfter(options, sp.GetService<TimeProvider>() ?? TimeProvider.System);
        });

        // A bad Drs:Resilience section should stop the host at start, not fail the first query.
        services.AddOptions<HttpStandardResilienceOptions>(resilience.PipelineName).ValidateOnStart();

        return builder;
    }

    // Without it, a base address with a path ("https://host/drs") would lose its last segment.
    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
