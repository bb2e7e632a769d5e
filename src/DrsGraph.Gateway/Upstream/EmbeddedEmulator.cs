using System.ComponentModel.DataAnnotations;
using DrsGraph.DrsClient;
using DrsGraph.Emulator;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Upstream;

/// <summary>Whether and where the embedded emulator runs, bound from <c>Gateway:EmbeddedEmulator</c>.</summary>
public sealed class EmbeddedEmulatorOptions
{
    public const string SectionName = "Gateway:EmbeddedEmulator";

    public const string EnabledSetting = SectionName + ":" + nameof(Enabled);

    /// <summary>
    /// Host the DRS emulator (invented jobs, and a demo token for callers that send none) when no
    /// <c>Drs:Endpoint</c> is set. Default: unset, which means on in the Development environment only
    /// (<c>dotnet run</c>), so a deployment whose endpoint is missing or misspelt stops at start-up instead
    /// of serving invented jobs. <c>true</c> turns it on anywhere; <c>false</c> off everywhere. A set
    /// <c>Drs:Endpoint</c> always wins.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// Address of the in-process emulator. Default <c>http://127.0.0.1:0</c>: loopback only, on a free
    /// port (logged at start-up), so it never clashes with the gateway's own port.
    /// </summary>
    [Required]
    public string Urls { get; set; } = "http://127.0.0.1:0";
}

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
