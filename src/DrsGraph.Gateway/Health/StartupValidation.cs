using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// Runs every <c>ValidateOnStart</c> check before the host starts, so a bad setting stops the gateway
/// with one log line per problem, naming the setting, and exit code 1, instead of the host's
/// "Hosting failed to start" and an unhandled exception, each with a stack trace.
/// </summary>
public static partial class StartupValidation
{
    /// <summary>
    /// Validates <paramref name="app"/>'s settings on a copy of it (<see cref="GatewayCopy"/>, built by
    /// <paramref name="compose"/>): validating the replica itself would start its telemetry (the metrics
    /// infrastructure subscribes its listeners at validation), before the start-up warm-up, whose requests it
    /// must not count.
    /// </summary>
    /// <returns>False (the problems logged) when a setting is invalid; the caller then exits.</returns>
    public static async Task<bool> ValidateAsync(WebApplication app, Func<WebApplicationBuilder, WebApplication> compose)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(compose);
        if (GatewayCopy.HostedByTest)
        {
            // Hosted by a test (WebApplicationFactory): the host must start, and throw, as usual for the test to see it.
            return true;
        }

        try
        {
            await using var copy = GatewayCopy.Build(app, compose, static _ => true, []);
            copy.Services.GetService<IStartupValidator>()?.Validate();
            return true;
        }
        catch (OptionsValidationException invalid)
        {
            Log(app, invalid.Failures);
        }
        catch (AggregateException invalid) when (invalid.InnerExceptions.All(e => e is OptionsValidationException))
        {
            Log(app, invalid.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures));
        }
        catch (InvalidOperationException unbindable)
        {
            // The binder's own refusal ("Failed to convert configuration value 'https://' at 'Drs:Endpoint' to type 'System.Uri'").
            Log(app, [unbindable.Message]);
        }

        // Flushes the console logger before the process exits.
        await app.DisposeAsync();
        return false;
    }

    private static void Log(WebApplication app, IEnumerable<string> failures)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StartupValidation));
        foreach (var failure in failures)
        {
            LogInvalidSetting(logger, failure);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Critical, Message = "Invalid configuration, not starting: {Failure}")]
    private static partial void LogInvalidSetting(ILogger logger, string failure);
}
