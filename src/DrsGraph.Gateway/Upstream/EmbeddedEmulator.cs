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

    /// <summary>The checked addresses, trimmed: Kestrel refuses " http://127.0.0.1:0 " ("Unrecognized scheme").</summary>
    private string Urls => string.Join(';', EmbeddedEmulatorUrlsValidation.Addresses(options.Value.Urls));

    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("The embedded DRS emulator has not started yet.");

    /// <summary>
    /// Starts the emulator of <paramref name="gateway"/> (if it has one) before the gateway's host starts, so an address
    /// it cannot bind (<see cref="EmbeddedEmulatorOptions.Urls"/>: a port in use, an address not on this machine) stops
    /// start-up as a bad setting does: one line naming the setting and why, and false for exit code 1. Started from
    /// the host, the failure was "Hosting failed to start" twice (the emulator's host, then the gateway's) with stack
    /// traces and an unhandled exception (exit code 134). The host's start then finds it started.
    /// </summary>
    public static async Task<bool> StartBeforeHostAsync(WebApplication gateway, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        if (gateway.Services.GetService<EmbeddedEmulator>() is not { } emulator)
        {
            return true;
        }

        try
        {
            await emulator.StartAsync(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A stop signal: the gateway does not start, and says so (GatewayLifetime).
            return true;
        }
        catch (Exception ex)
        {
            // Not only a port in use (IOException, SocketException): Kestrel refuses some addresses only as it binds
            // (InvalidOperationException), and nothing the emulator throws while starting may end in an unhandled
            // exception (exit code 134).
            // A bad Emulator:* setting fails the start too: it is named, not blamed on the address.
            await emulator.DisposeAsync();
            foreach (var line in StartupValidation.SettingFailuresOf(ex) ?? [$"{EmbeddedEmulatorOptions.UrlsSetting} '{emulator.Urls}' cannot be bound: {ex.Message}"])
            {
                StartupValidation.LogInvalidSetting(gateway.Services, line);
            }

            return false;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            // Started before the host (StartBeforeHostAsync).
            return;
        }

        // The emulator reads its own "Emulator" section; hand it the gateway's, and the gateway's clock.
        var emulatorSettings = configuration.GetSection("Emulator").AsEnumerable().Where(pair => pair.Value is not null);
        _app = EmulatorApplication.Create(["--urls", Urls], builder =>
        {
            builder.Configuration.AddInMemoryCollection(emulatorSettings);
            // The gateway's ports (ASPNETCORE_HTTP_PORTS, set by the image) are not the emulator's: left in its
            // configuration, Kestrel warned "Overriding HTTP_PORTS ... Binding to values defined by URLS instead", the
            // first line an operator saw, as if the gateway were unreachable.
            builder.Configuration.AddInMemoryCollection([new("http_ports", ""), new("https_ports", "")]);
            builder.Services.AddSingleton(timeProvider);
            // Its life is the gateway's (this hosted service's start and stop), not the process's signals.
            builder.Services.AddSingleton<IHostLifetime, InnerHostLifetime>();
            // A failed start is reported once, by the gateway (StartBeforeHostAsync), naming the setting: not also by
            // the emulator's host, with a stack trace.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
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
