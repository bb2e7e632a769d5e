using DrsGraph.DrsClient;
using DrsGraph.Gateway.Callers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Upstream;

public static class UpstreamExtensions
{
    /// <summary>
    /// The typed DRS client, pointed at <c>Drs:Endpoint</c> (checked at start-up by
    /// <see cref="DrsEndpointValidation"/>); without one, in Development or when
    /// <c>Gateway:EmbeddedEmulator:Enabled</c> is true, at an emulator hosted in this process, with a demo
    /// token so the first query needs no IAM token. Anywhere else a missing endpoint stops start-up.
    /// </summary>
    public static WebApplicationBuilder AddDrsUpstream(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddDrsClient();
        // Drs:Regions (and the default region, Drs:Endpoint): what X-Drs-Region and the region argument pick from.
        builder.Services.AddSingleton<Regions.DrsRegionCatalog>();
        var embedded = IsEmbedded(builder.Configuration, builder.Environment);
        builder.Services.AddSingleton<IValidateOptions<DrsClientOptions>>(new DrsEndpointValidation(builder.Environment.IsDevelopment(), embedded, builder.Configuration.GetSection($"{DrsClientOptions.SectionName}:{nameof(DrsClientOptions.Regions)}")));
        // Bound and validated even when not embedded, so a bad Enabled value ("yes") stops start-up naming it.
        builder.Services.AddOptions<EmbeddedEmulatorOptions>()
            .BindConfiguration(EmbeddedEmulatorOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (embedded)
        {
            // Its addresses are checked only when it runs: a leftover Urls must not stop a gateway in front of real DRS.
            builder.Services.AddSingleton<IValidateOptions<EmbeddedEmulatorOptions>, EmbeddedEmulatorUrlsValidation>();
            builder.Services.AddSingleton<EmbeddedEmulator>();
            builder.Services.AddSingleton<IDrsEndpointProvider>(sp => sp.GetRequiredService<EmbeddedEmulator>());
            // Registered before any other hosted service so the emulator is up before the first request.
            builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(sp => sp.GetRequiredService<EmbeddedEmulator>()));
            builder.Services.PostConfigure<CallerOptions>(o => o.DefaultAuthToken ??= CallerOptions.EmbeddedDemoToken);
        }

        return builder;
    }

    /// <summary>
    /// True when no upstream is configured and the emulator may serve instead: explicitly
    /// (<c>Gateway:EmbeddedEmulator:Enabled</c>), else only in the Development environment.
    /// </summary>
    public static bool IsEmbedded(IConfiguration configuration, IHostEnvironment environment)
    {
        if (!string.IsNullOrWhiteSpace(configuration[DrsEndpointValidation.EndpointSetting]))
        {
            return false;
        }

        // Anything but true/false is off here (never demo mode by a typo) and refused by the options' binding at start-up.
        var enabled = configuration[EmbeddedEmulatorOptions.EnabledSetting];
        return string.IsNullOrWhiteSpace(enabled) ? environment.IsDevelopment() : bool.TryParse(enabled, out var on) && on;
    }
}
