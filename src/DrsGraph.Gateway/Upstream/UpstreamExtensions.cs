using DrsGraph.DrsClient;
using DrsGraph.Gateway.Callers;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DrsGraph.Gateway.Upstream;

public static class UpstreamExtensions
{
    /// <summary>
    /// The typed DRS client, pointed at <c>Drs:Endpoint</c>; without one, at an emulator hosted in
    /// this process, with a demo token so the first query needs no IAM token.
    /// </summary>
    public static WebApplicationBuilder AddDrsUpstream(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddDrsClient();
        if (IsEmbedded(builder.Configuration))
        {
            builder.Services.AddOptions<EmbeddedEmulatorOptions>()
                .BindConfiguration(EmbeddedEmulatorOptions.SectionName)
                .ValidateDataAnnotations()
                .ValidateOnStart();
            builder.Services.AddSingleton<EmbeddedEmulator>();
            builder.Services.AddSingleton<IDrsEndpointProvider>(sp => sp.GetRequiredService<EmbeddedEmulator>());
            // Registered before any other hosted service so the emulator is up before the first request.
            builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(sp => sp.GetRequiredService<EmbeddedEmulator>()));
            builder.Services.PostConfigure<CallerOptions>(o => o.DefaultAuthToken ??= CallerOptions.EmbeddedDemoToken);
        }

        return builder;
    }

    /// <summary>True when no upstream is configured and the gateway runs its own emulator.</summary>
    public static bool IsEmbedded(IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(configuration[$"{DrsClientOptions.SectionName}:{nameof(DrsClientOptions.Endpoint)}"]);
}
