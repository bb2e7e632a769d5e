using DrsGraph.DrsClient;
using DrsGraph.Emulator;
using DrsGraph.Gateway.Health;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Upstream;

/// <summary>
/// Hosts the DRS emulator in the gateway's process when no <c>Drs:Endpoint</c> is configured (and
/// <see cref="EmbeddedEmulatorOptions.Enabled"/> allows it), and
/// points the DRS client at it: one command runs everything, over real HTTP on loopback.
/// </summary>
public sealed partial class EmbeddedEmulator(
    IConfiguration configuration,
    IOptions<EmbeddedEmulatorOptions> options,
    TimeProvider timeProvider,
    ILogger<EmbeddedEmulator> logger) : IHostedService, IDrsEndpointProvider, IAsyncDisposable
{
    private WebApplication? _app;
    private Uri? _baseAddress;

    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("The embedded DRS emulator has not started yet.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The emulator reads its own "Emulator" section; hand it the gateway's, and the gateway's clock.
        var emulatorSettings = configuration.GetSection("Emulator").AsEnumerable().Where(pair => pair.Value is not null);
        _app = EmulatorApplication.Create(["--urls", options.Value.Urls], builder =>
        {
            builder.Configuration.AddInMemoryCollection(emulatorSettings);
            builder.Services.AddSingleton(timeProvider);
            // Its life is the gateway's (this hosted service's start and stop), not the process's signals.
            builder.Services.AddSingleton<IHostLifetime, InnerHostLifetime>();
        });
        await _app.StartAsync(cancellationToken);
        _baseAddress = _app.GetBaseAddress();
        LogStarted(logger, _baseAddress);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No Drs:Endpoint configured: the embedded DRS emulator serves invented jobs on {BaseAddress} (control API under /_emulator), and callers without a token get a demo token.")]
    private static partial void LogStarted(ILogger logger, Uri baseAddress);
}
