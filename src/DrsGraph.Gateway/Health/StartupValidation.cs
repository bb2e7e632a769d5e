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
    /// Makes the replica's builder (its settings read from appsettings.json, the environment and the command line, the
    /// content root the output folder).
    /// </summary>
    /// <returns>Null when made; else the one line that says why not (a settings file that is not JSON).</returns>
    public static string? TryCreateBuilder(string[] args, out WebApplicationBuilder builder)
    {
        try
        {
            builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
            return null;
        }
        catch (InvalidDataException unreadable)
        {
            builder = null!;
            // The file's name, then what the JSON reader said and where (the innermost message has the line and byte).
            var detail = "";
            for (var cause = unreadable.InnerException; cause is not null; cause = cause.InnerException)
            {
                detail += $" {cause.Message}";
            }

            return Observability.CallerText.Printable($"crit: Start-up: {unreadable.Message}{detail} Not starting.");
        }
    }

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

        // Keys no setting reads: the binder ignores them, so a misspelt one left its default in force unnoticed.
        var unknown = UnknownSettings.Find(builder.Configuration);
        IEnumerable<string> failures;
        try
        {
            // Composing the copy reads what composing the replica reads; validating it reads the rest.
            await using var copy = GatewayCopy.Build(builder.Configuration, builder.Environment, compose, static _ => true, []);
            copy.Services.GetService<IStartupValidator>()?.Validate();
            if (unknown.Count == 0)
            {
                return true;
            }

            failures = [];
        }
        catch (OptionsValidationException invalid)
        {
            failures = Named(invalid);
        }
        catch (AggregateException invalid) when (invalid.InnerExceptions.All(e => e is OptionsValidationException))
        {
            failures = invalid.InnerExceptions.SelectMany(e => Named((OptionsValidationException)e));
        }
        catch (InvalidOperationException unbindable)
        {
            // The binder's own refusal ("Failed to convert configuration value 'https://' at 'Drs:Endpoint' to type 'System.Uri'").
            failures = [NamedLogLevel(unbindable.Message, builder.Configuration)];
        }

        // A message may quote the value it refused (the binder's always does): a URL's user:password@ and a
        // password=... option must not reach the log.
        // Distinct: options validated through two registrations (service identities validate the DRS client's settings
        // too, for their regions) reported the same failure twice.
        var lines = unknown.Concat(failures).Select(failure => Scrub(ByNameSet(failure, builder.Configuration))).Distinct(StringComparer.Ordinal).ToList();
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
            foreach (var line in lines.Append(Scrub(NamedLogLevel(logging.Message, builder.Configuration))).Distinct(StringComparer.Ordinal))
            {
                await Console.Error.WriteLineAsync($"crit: {typeof(StartupValidation).FullName}[1]\n      Invalid configuration, not starting: {line}");
            }
        }

        return false;
    }

    /// <summary>
    /// Logs one start-up refusal found after validation (the embedded emulator's address cannot be bound) as validation
    /// logs a bad setting, through <paramref name="services"/>' logging.
    /// </summary>
    internal static void LogInvalidSetting(IServiceProvider services, string failure)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StartupValidation));
        var line = Scrub(failure);
        LogInvalidSetting(logger, line);
    }

    /// <summary>
    /// The lines for a failure to start the embedded emulator that is a bad <c>Emulator:*</c> setting (its options'
    /// validation, or the binder's refusal, which names the key), or null for anything else (an address it cannot bind).
    /// </summary>
    internal static IReadOnlyList<string>? SettingFailuresOf(Exception failure)
    {
        for (var ex = failure; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case OptionsValidationException invalid:
                    return Named(invalid).ToList();
                case AggregateException all when all.InnerExceptions.Count > 0 && all.InnerExceptions.All(e => e is OptionsValidationException):
                    return all.InnerExceptions.SelectMany(e => Named((OptionsValidationException)e)).ToList();
                case InvalidOperationException unbindable when unbindable.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                    return [unbindable.Message];
            }
        }

        return null;
    }

    /// <summary>
    /// The logging's refusal of a level ("Configuration value 'Verbose' is not supported.") names no setting: it
    /// becomes one naming the Logging key that holds the value and listing the levels. Other messages pass unchanged.
    /// </summary>
    private static string NamedLogLevel(string failure, ConfigurationManager configuration)
    {
        if (UnsupportedValue().Match(failure) is not { Success: true } match)
        {
            return failure;
        }

        var value = match.Groups["value"].Value;
        var keys = configuration.GetSection("Logging").AsEnumerable()
            .Where(pair => pair.Value == value
                && pair.Key.Split(':').Contains("LogLevel", StringComparer.OrdinalIgnoreCase)
                && !Enum.TryParse<LogLevel>(pair.Value, ignoreCase: true, out _))
            .Select(pair => pair.Key)
            .Order(StringComparer.Ordinal)
            .ToList();
        return keys.Count == 0
            ? failure
            : $"{string.Join(", ", keys)} '{value}' is not a log level: use one of {string.Join(", ", Enum.GetNames<LogLevel>())}.";
    }

    /// <summary>
    /// A refusal naming a setting the operator set only under its former name (Gateway:Limits:MaxIdsPerField, set as
    /// Gateway:Jobs:MaxIdsPerField) names the key that was set, so the operator finds it.
    /// </summary>
    private static string ByNameSet(string failure, ConfigurationManager configuration)
    {
        foreach (var (legacy, current) in UnknownSettings.LegacyAliases)
        {
            if (configuration[legacy] is not null && configuration[current] is null && failure.Contains(current, StringComparison.Ordinal))
            {
                failure = failure.Replace(current, $"{legacy} (the former name of {current})", StringComparison.Ordinal);
            }
        }

        return failure;
    }

    [GeneratedRegex(@"^(?:\w+: )?The field \S+?-standard\.(?<path>[\w.]+) (?<rule>.+)$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex ResilienceField();

    [GeneratedRegex(@"^Configuration value '(?<value>.*)' is not supported\.$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex UnsupportedValue();

    /// <summary>
    /// The failures of one options class, each naming its configuration path. A DataAnnotations failure names only the
    /// class and member ("'HealthOptions' members: 'WarmUpTimeout'"), ambiguous where several sections share a name
    /// (RedisTimeout is in three): it becomes "Gateway:Health:WarmUpTimeout is invalid: ...". Failures that name no setting (the
    /// resilience library's, several for one bad value) become one line naming the section.
    /// </summary>
    private static IEnumerable<string> Named(OptionsValidationException invalid)
    {
        if (SectionOf(invalid.OptionsType) is not { } section)
        {
            return invalid.Failures;
        }

        var lines = new List<string>();
        var unnamed = new List<string>();
        foreach (var failure in invalid.Failures)
        {
            if (DataAnnotationFailure().Match(failure) is { Success: true } match)
            {
                var settings = match.Groups["members"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(member => SettingOf(invalid.OptionsType, section, member))
                    .ToList();
                var error = match.Groups["error"].Value;
                // Not "Setting: error": Scrub would take "...Secret: x" for a secret's value.
                lines.Add(settings.All(setting => error.Contains(setting, StringComparison.Ordinal)) ? error : $"{string.Join(", ", settings)} is invalid: {error}");
            }
            else if (failure.Contains(section, StringComparison.Ordinal))
            {
                lines.Add(failure);
            }
            else if (ResilienceField().Match(failure) is { Success: true } field)
            {
                // The resilience library names a value by its pipeline's internal name ("MaxRetryAttempts: The field
                // IDrsClient-standard.Retry.MaxRetryAttempts must be between 1 and ..."): named by its setting instead.
                lines.Add($"{section}:{field.Groups["path"].Value.Replace('.', ':')} {field.Groups["rule"].Value}");
            }
            else
            {
                unnamed.Add(failure.TrimEnd('.'));
            }
        }

        if (unnamed.Count > 0)
        {
            lines.Add($"{section}: {string.Join("; ", unnamed)}.");
        }

        return lines;
    }

    /// <summary>Where an options class is bound from: its <c>SectionName</c>, or the DRS client's resilience section.</summary>
    private static string? SectionOf(Type options) =>
        options == typeof(Microsoft.Extensions.Http.Resilience.HttpStandardResilienceOptions)
            ? DrsGraph.DrsClient.DrsResilienceDefaults.SectionName
            : options.GetField("SectionName", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetRawConstantValue() as string;

    /// <summary>
    /// A member's configuration path: its own (<c>Retry.MaxRetryAttempts</c> is <c>Retry:MaxRetryAttempts</c>), or, for
    /// a member of a nested object validated by its parent (Gateway:Security's RateLimit), the one nested object that has it.
    /// </summary>
    private static string SettingOf(Type options, string section, string member)
    {
        var path = member.Split('.');
        if (options.GetProperty(path[0]) is null)
        {
            var nested = options.GetProperties()
                .Where(property => property.PropertyType.IsClass && property.PropertyType != typeof(string) && property.PropertyType.GetProperty(path[0]) is not null)
                .ToList();
            if (nested.Count == 1)
            {
                path = [nested[0].Name, .. path];
            }
        }

        return $"{section}:{string.Join(':', path)}";
    }

    [GeneratedRegex(@"^DataAnnotation validation failed for '[^']*' members: '(?<members>[^']*)' with the error: '(?<error>.*)'\.$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex DataAnnotationFailure();

    internal static string Scrub(string failure) =>
        Secret().Replace(UserInfo().Replace(failure, "://"), match => match.Groups[1].Value + "***");

    [GeneratedRegex(@"://[^/?#@\s']*@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"((?:password|pwd|secret|key)\s*[=:]\s*)[^,;'\s\[\]]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Secret();

    [LoggerMessage(EventId = 1, Level = LogLevel.Critical, Message = "Invalid configuration, not starting: {Failure}")]
    private static partial void LogInvalidSetting(ILogger logger, string failure);
}
