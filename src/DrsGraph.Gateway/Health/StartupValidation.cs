using System.Text.RegularExpressions;
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
    /// Validates the settings of the replica <paramref name="builder"/> will build, on a copy composed by
    /// <paramref name="compose"/> (<see cref="GatewayCopy"/>), before the replica is composed: composing reads
    /// settings (the request budget, the schema's limits, the security pipeline) and would throw on a bad one with
    /// a stack trace; and validating the replica itself would start its telemetry (the metrics infrastructure
    /// subscribes its listeners at validation), before the start-up warm-up, whose requests it must not count.
    /// </summary>
    /// <returns>False (the problems logged) when a setting is invalid; the caller then exits.</returns>
    public static async Task<bool> ValidateAsync(WebApplicationBuilder builder, Func<WebApplicationBuilder, WebApplication> compose)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(compose);
        if (GatewayCopy.HostedByTest)
        {
            // Hosted by a test (WebApplicationFactory): the host must start, and throw, as usual for the test to see it.
            return true;
        }

        IEnumerable<string> failures;
        try
        {
            // Composing the copy reads what composing the replica reads; validating it reads the rest.
            await using var copy = GatewayCopy.Build(builder.Configuration, builder.Environment, compose, static _ => true, []);
            copy.Services.GetService<IStartupValidator>()?.Validate();
            return true;
        }
        catch (OptionsValidationException invalid)
        {
            failures = invalid.Failures;
        }
        catch (AggregateException invalid) when (invalid.InnerExceptions.All(e => e is OptionsValidationException))
        {
            failures = invalid.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures);
        }
        catch (InvalidOperationException unbindable)
        {
            // The binder's own refusal ("Failed to convert configuration value 'https://' at 'Drs:Endpoint' to type 'System.Uri'").
            failures = [unbindable.Message];
        }

        // A message may quote the value it refused (the binder's always does): a URL's user:password@ and a
        // password=... option must not reach the log.
        var lines = failures.Select(Scrub).ToList();
        try
        {
            // The replica's logging as configured (Logging:*, console format), without composing the gateway, which the
            // bad setting would stop; disposing it flushes the console logger before the process exits.
            Observability.ObservabilityExtensions.AddLogFormat(builder.Services);
            await using var bare = builder.Build();
            var logger = bare.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StartupValidation));
            foreach (var line in lines)
            {
                LogInvalidSetting(logger, line);
            }
        }
        catch (InvalidOperationException logging)
        {
            // The bad setting is the logging's own (Logging:LogLevel:Default=Loud): no logger can be built, so the
            // line goes to stderr in the console logger's plain shape.
            foreach (var line in lines.Append(Scrub(logging.Message)).Distinct(StringComparer.Ordinal))
            {
                await Console.Error.WriteLineAsync($"crit: {typeof(StartupValidation).FullName}[1]\n      Invalid configuration, not starting: {line}");
            }
        }

        return false;
    }

    internal static string Scrub(string failure) =>
        Secret().Replace(UserInfo().Replace(failure, "://"), match => match.Groups[1].Value + "***");

    [GeneratedRegex(@"://[^/?#@\s']*@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"((?:password|pwd|secret|key)\s*[=:]\s*)[^,;'\s\[\]]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Secret();

    [LoggerMessage(EventId = 1, Level = LogLevel.Critical, Message = "Invalid configuration, not starting: {Failure}")]
    private static partial void LogInvalidSetting(ILogger logger, string failure);
}
