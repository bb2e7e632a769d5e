using System.Runtime.InteropServices;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// The gateway process's stop signals (SIGTERM, SIGINT, SIGQUIT), handled from the first line of Program.cs to
/// the end, and the <see cref="IHostLifetime"/> of its host in place of the console lifetime.
/// <para>
/// The console lifetime handles the signals only from the moment its host begins to start. Before that (settings
/// validation, the warm-up's copy) the runtime's default ended the process silently (exit code 143), and a signal
/// while the host was starting cancelled the start: "Hosting failed to start" with stack traces, the embedded
/// emulator's too, then an unhandled exception (exit code 134). Orchestrators send SIGTERM to a pod that is still
/// starting whenever a rollout or a scale-down overtakes it, so instead:
/// </para>
/// <list type="bullet">
/// <item>before the host starts, settings validation runs to its end (about a second), the warm-up stops at once
/// (<see cref="Token"/>), and <see cref="RunAsync"/> does not start the host: the process logs one line and exits
/// with code 0, as after a normal stop;</item>
/// <item>while the host starts, it finishes starting (a second at most) and then stops gracefully;</item>
/// <item>once it has started, a signal stops it gracefully, as the console lifetime did, with the same status
/// lines (category <c>Microsoft.Hosting.Lifetime</c>).</item>
/// </list>
/// </summary>
internal sealed partial class GatewayLifetime : IHostLifetime, IDisposable
{
    // Never disposed: a handler already on its way when the registrations go may still cancel it.
    private readonly CancellationTokenSource _stopped = new();
    private readonly Lock _gate = new();
    private PosixSignalRegistration[] _registrations = [];
    private PosixSignal? _received;
    private IHostApplicationLifetime? _host;
    private IHostEnvironment? _environment;
    private ILogger? _statusLogger;

    private GatewayLifetime()
    {
    }

    /// <summary>Cancelled by the first stop signal, for the start-up's steps to stop at once.</summary>
    public CancellationToken Token => _stopped.Token;

    /// <summary>The first stop signal received, if any.</summary>
    public PosixSignal? Received
    {
        get
        {
            lock (_gate)
            {
                return _received;
            }
        }
    }

    /// <summary>
    /// Handles the stop signals from now on. Not under a test's host (WebApplicationFactory runs Program.cs in the
    /// test process, whose Ctrl+C stays the test runner's, and whose host keeps its default lifetime).
    /// </summary>
    public static GatewayLifetime Register()
    {
        var lifetime = new GatewayLifetime();
        if (!GatewayCopy.HostedByTest)
        {
            lifetime._registrations =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, lifetime.Handle),
                PosixSignalRegistration.Create(PosixSignal.SIGINT, lifetime.Handle),
                PosixSignalRegistration.Create(PosixSignal.SIGQUIT, lifetime.Handle),
            ];
        }

        return lifetime;
    }

    /// <summary>Makes this the lifetime of the host <paramref name="builder"/> builds (not under a test's host).</summary>
    public void Use(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!GatewayCopy.HostedByTest)
        {
            builder.Services.AddSingleton<IHostLifetime>(services =>
            {
                _host = services.GetRequiredService<IHostApplicationLifetime>();
                _environment = services.GetRequiredService<IHostEnvironment>();
                // The console lifetime's category, so settings that quiet or raise its lines still apply.
                _statusLogger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.Hosting.Lifetime");
                return this;
            });
        }
    }

    /// <summary>
    /// Runs <paramref name="app"/> until it stops (<c>app.RunAsync()</c>), unless a stop signal came first: then it
    /// logs one line, disposes the never-started host (flushing the logs) and returns.
    /// </summary>
    public async Task RunAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (Received is { } signal)
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayLifetime).FullName!);
            LogStoppedBeforeStart(logger, signal);
            await app.DisposeAsync();
            return;
        }

        // A signal from here on stops the host once it has started (at once if it has): a start cancelled halfway
        // throws and logs failures that are none.
        using var stopsHost = _stopped.Token.Register(() => app.Lifetime.ApplicationStarted.Register(app.Lifetime.StopApplication));
        await app.RunAsync();
    }

    /// <summary>Called by the host as it begins to start: the console lifetime's status lines, nothing to wait for.</summary>
    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        var (host, environment, logger) = (_host!, _environment!, _statusLogger!);
        host.ApplicationStarted.Register(() =>
        {
            LogStarted(logger);
            LogEnvironment(logger, environment.EnvironmentName);
            LogContentRoot(logger, environment.ContentRootPath);
        });
        host.ApplicationStopping.Register(() => LogStopping(logger));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Lets go of the signals: from here on a stop signal takes its default action.</summary>
    public void Dispose()
    {
        PosixSignalRegistration[] registrations;
        lock (_gate)
        {
            registrations = _registrations;
            _registrations = [];
        }

        foreach (var registration in registrations)
        {
            registration.Dispose();
        }
    }

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        lock (_gate)
        {
            _received ??= context.Signal;
        }

        _stopped.Cancel();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Start-up: {Signal} received before the gateway started; it stops without starting")]
    private static partial void LogStoppedBeforeStart(ILogger logger, PosixSignal signal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Application started. Press Ctrl+C to shut down.")]
    private static partial void LogStarted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hosting environment: {EnvName}")]
    private static partial void LogEnvironment(ILogger logger, string envName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Content root path: {ContentRoot}")]
    private static partial void LogContentRoot(ILogger logger, string contentRoot);

    [LoggerMessage(Level = LogLevel.Information, Message = "Application is shutting down...")]
    private static partial void LogStopping(ILogger logger);
}
