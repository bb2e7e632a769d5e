using DrsGraph.Emulator.Drs;
using DrsGraph.Emulator.Faults;
using DrsGraph.Emulator.Iam;
using DrsGraph.Emulator.Infrastructure;
using DrsGraph.Emulator.Jobs;
using DrsGraph.Emulator.Requests;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DrsGraph.Emulator;

/// <summary>Builds the emulator as a web application, standalone or hosted inside the gateway.</summary>
public static class EmulatorApplication
{
    /// <summary>Creates the emulator app; <paramref name="configure"/> lets hosts and tests substitute services.</summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);

        // Quiet by default: hosted in-process, the emulator must not flood the gateway's console.
        builder.Logging.AddFilter(null, LogLevel.Warning);

        // Host substitutions first, so the TryAdd registrations below keep them.
        configure?.Invoke(builder);

        // Options, validated at start-up so a bad setting fails fast.
        builder.Services.AddOptions<EmulatorOptions>()
            .BindConfiguration(EmulatorOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The emulated IAM: users who obtain tokens, AK/SK pairs that sign (Emulator:Iam).
        builder.Services.AddOptions<IamOptions>()
            .BindConfiguration(IamOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<IamTokenStore>();
        builder.Services.TryAddSingleton<AkSkVerifier>();

        // The job store, request log and fault switchboard; TryAdd so hosts and tests can substitute them.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<JobStore>();
        builder.Services.TryAddSingleton<RequestLog>();
        builder.Services.TryAddSingleton<FaultInjector>();
        builder.Services.TryAddSingleton<TenantAuthorizer>();
        builder.Services.TryAddSingleton<DrsCallHandler>();

        // Seeds the demo data at start-up, so its epoch is "now" when the host starts.
        builder.Services.AddHostedService<SeedOnStart>();

        var app = builder.Build();

        // Every response, errors included, carries an X-Request-Id.
        app.UseRequestIds();

        // The DRS v3 batch endpoints.
        app.MapDrsApi();

        // IAM's token call, so the gateway's own IAM credentials can be tested for real.
        app.MapIamApi();

        // The control API under /_emulator: request log, faults, jobs, reset.
        app.MapRequestsControlApi();
        app.MapFaultsControlApi();
        app.MapJobsControlApi();
        return app;
    }

    /// <summary>The first address the started app listens on (the real port when started on port 0).</summary>
    public static Uri GetBaseAddress(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault()
            ?? throw new InvalidOperationException("The emulator has no bound address yet: call StartAsync first.");
        return new Uri(first.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
    }

    /// <summary>Seeds the job store once the host starts.</summary>
    private sealed class SeedOnStart(JobStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            store.Reset();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
