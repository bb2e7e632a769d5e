using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Hosting.Server;

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
    private volatile Exception? _listenFailure;

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

            // The gateway's own addresses: a port in use (another process, or the embedded emulator on the same port)
            // ended in "Hosting failed to start", a stack trace and an unhandled exception (exit code 134). The failure
            // is reported once, by RunAsync, naming the address and the setting; the host's own line is silenced for it.
            var kestrel = builder.Services.LastOrDefault(service => service.ServiceType == typeof(IServer));
            if (kestrel is { ImplementationType: { } server })
            {
                builder.Services.Remove(kestrel);
                builder.Services.AddSingleton<IServer>(services => new ListenFailureServer(
                    (IServer)ActivatorUtilities.CreateInstance(services, server), failure => _listenFailure = failure));
                // Information and up, as the console lifetime's level default; nothing once the listen failure is known.
                builder.Logging.AddFilter(HostCategory, level => level >= LogLevel.Information && _listenFailure is null);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="app"/> until it stops (<c>app.RunAsync()</c>), unless a stop signal came first: then it
    /// logs one line, disposes the never-started host (flushing the logs) and returns.
    /// </summary>
    /// <returns>False when the gateway could not listen on its own addresses (logged in one line): exit code 1.</returns>
    public async Task<bool> RunAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayLifetime).FullName!);
        if (Received is { } signal)
        {
            LogStoppedBeforeStart(logger, signal);
            await app.DisposeAsync();
            return true;
        }

        // A signal from here on stops the host once it has started (at once if it has): a start cancelled halfway
        // throws and logs failures that are none.
        using var stopsHost = _stopped.Token.Register(() => app.Lifetime.ApplicationStarted.Register(app.Lifetime.StopApplication));
        try
        {
            // What app.RunAsync() does, but the host is disposed (flushing the logs) only once a failure is logged.
            await app.StartAsync();
            await app.WaitForShutdownAsync();
            return true;
        }
        catch (Exception) when (_listenFailure is { } failure)
        {
            // One line, even when the failure names no address and several are configured.
            var addresses = GatewayListenAddresses.Concerned(failure, GatewayListenAddresses.Of(app.Configuration));
            var named = string.Join(", ", addresses.Select(address => address.Address));
            var settings = string.Join(", ", addresses.Select(address => address.Setting).Distinct(StringComparer.Ordinal));
            var reason = GatewayListenAddresses.ReasonOf(failure)!;
            LogCannotListen(logger, named, settings, reason);
            return false;
        }
        finally
        {
            await app.DisposeAsync();
        }
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

    /// <summary>The host's category, whose "Hosting failed to start" a listen failure silences.</summary>
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    [LoggerMessage(EventId = 2, Level = LogLevel.Critical, Message = "Start-up: the gateway cannot listen on {Address} (from {Setting}): {Reason}; not starting")]
    private static partial void LogCannotListen(ILogger logger, string address, string setting, string reason);

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
