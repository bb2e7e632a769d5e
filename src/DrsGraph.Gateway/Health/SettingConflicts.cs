using DrsGraph.Gateway.GraphQLStreaming;
using DrsGraph.Gateway.PersistedOperations;
using DrsGraph.Gateway.Subscriptions;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// Settings the gateway does not take as written, or that are risky as written, each said once at start-up: a replica- or
/// address-wide ceiling set below the per-caller allowance it must leave room for (one caller alone may always use its
/// own) is raised to it, as the README documents, and an operator who set it lower heard nothing of it; a default token
/// set in front of a real DRS, or with service identities on (where it does not apply); a connection ceiling above what the
/// open-file limit allows; the emulator's demo project left as the default in front of a real (https) DRS.
/// </summary>
internal static partial class SettingConflicts
{
    /// <summary>Logs one Warning per such setting.</summary>
    public static void Log(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SettingConflicts));
        var subscriptions = services.GetRequiredService<IOptions<SubscriptionOptions>>().Value;
        var streaming = services.GetRequiredService<IOptions<GraphQLStreamingOptions>>().Value;
        var persisted = services.GetRequiredService<IOptions<PersistedOperationsOptions>>().Value;

        // Each ceiling against the value the gateway uses (its options' Effective*), so this says what the limiter does.
        const string Subscriptions = SubscriptionOptions.SectionName;
        Overridden(logger, $"{Subscriptions}:{nameof(SubscriptionOptions.MaxJobsPerReplica)}", subscriptions.MaxJobsPerReplica, subscriptions.EffectiveMaxJobsPerReplica, $"{Subscriptions}:{nameof(SubscriptionOptions.MaxJobsPerCaller)}", subscriptions.MaxJobsPerCaller);
        Overridden(logger, $"{Subscriptions}:{nameof(SubscriptionOptions.MaxSubscriptionsPerReplica)}", subscriptions.MaxSubscriptionsPerReplica, subscriptions.EffectiveMaxSubscriptionsPerReplica, $"{Subscriptions}:{nameof(SubscriptionOptions.MaxSubscriptionsPerCaller)}", subscriptions.MaxSubscriptionsPerCaller);

        const string Streaming = GraphQLStreamingOptions.SectionName;
        Overridden(logger, $"{Streaming}:{nameof(GraphQLStreamingOptions.MaxConnectionsPerAddress)}", streaming.MaxConnectionsPerAddress, streaming.EffectiveMaxConnectionsPerAddress, $"{Streaming}:{nameof(GraphQLStreamingOptions.MaxConnectionsPerCaller)}", streaming.MaxConnectionsPerCaller);

        const string Persisted = PersistedOperationsOptions.SectionName;
        Overridden(
            logger,
            $"{Persisted}:{nameof(PersistedOperationsOptions.RegistrationKilobytesPerAddressPerHour)}",
            persisted.RegistrationKilobytesPerAddressPerHour,
            persisted.EffectiveRegistrationKilobytesPerAddressPerHour,
            $"{Persisted}:{nameof(PersistedOperationsOptions.RegistrationKilobytesPerCallerPerHour)}",
            persisted.RegistrationKilobytesPerCallerPerHour);

        // A token for every caller without one: meant for the embedded emulator, and silent in front of a real DRS, where
        // anyone reaching the gateway reads DRS as whoever owns it. Said, not refused: a demo deployment may want it.
        var configuration = services.GetRequiredService<IConfiguration>();
        const string DefaultToken = Callers.CallerOptions.SectionName + ":" + nameof(Callers.CallerOptions.DefaultAuthToken);
        if (!string.IsNullOrEmpty(configuration[DefaultToken]))
        {
            if (services.GetRequiredService<IOptions<ServiceIdentity.ServiceIdentityOptions>>().Value.Enabled)
            {
                LogDefaultTokenUnused(logger, DefaultToken);
            }
            else if (!string.IsNullOrWhiteSpace(configuration[DrsGraph.DrsClient.DrsClientOptions.SectionName + ":" + nameof(DrsGraph.DrsClient.DrsClientOptions.Endpoint)]))
            {
                LogDefaultTokenUpstream(logger, DefaultToken);
            }
        }

        // A connection ceiling the process cannot hold: past its open-file limit it fails as if it had none.
        var ceiling = services.GetRequiredService<Limits.ConnectionCeiling>();
        if (ceiling.OpenFiles is { } openFiles && ceiling.Max > Limits.ConnectionCeiling.Derived(openFiles)
            && services.GetRequiredService<IOptions<Limits.QueryLimitOptions>>().Value.MaxConnections is not null)
        {
            LogCeilingAboveOpenFiles(logger, Limits.ConnectionCeiling.Setting, ceiling.Max, openFiles, Limits.ConnectionCeiling.Derived(openFiles));
        }

        // The emulator's demo project (appsettings.json's, the default) in front of a real DRS, which is https (an emulator
        // is plain http, with Drs:AllowInsecureEndpoint): every caller without X-Project-Id asks DRS about a project that
        // is not theirs, and learns it only from DRS's refusals.
        const string ProjectId = DrsGraph.DrsClient.DrsClientOptions.SectionName + ":" + nameof(DrsGraph.DrsClient.DrsClientOptions.ProjectId);
        var demoProject = new DrsGraph.DrsClient.DrsClientOptions().ProjectId;
        if (Uri.TryCreate(configuration[DrsGraph.DrsClient.DrsClientOptions.SectionName + ":" + nameof(DrsGraph.DrsClient.DrsClientOptions.Endpoint)]?.Trim(), UriKind.Absolute, out var endpoint)
            && endpoint.Scheme == Uri.UriSchemeHttps
            && (configuration[ProjectId] ?? demoProject) == demoProject)
        {
            LogDemoProject(logger, ProjectId, demoProject);
        }
    }

    /// <summary>A ceiling the gateway uses otherwise than set: raised to the per-caller allowance, or lifted (0) with it.</summary>
    private static void Overridden(ILogger logger, string setting, int value, int used, string allowance, int allowed)
    {
        if (used == value)
        {
            return;
        }

        if (used == 0)
        {
            LogLifted(logger, setting, value, allowance);
        }
        else
        {
            LogRaised(logger, setting, value, allowance, allowed, used);
        }
    }

    [LoggerMessage(EventId = 140, Level = LogLevel.Warning, Message = "{Setting}={Value} is below {Allowance}={Allowed}: the gateway uses {Used} (one caller alone may always use its allowance). Raise or lower both to change it.")]
    private static partial void LogRaised(ILogger logger, string setting, int value, string allowance, int allowed, int used);

    [LoggerMessage(EventId = 142, Level = LogLevel.Warning, Message = "{Setting} is set with Drs:Endpoint: every caller without X-Auth-Token reads DRS with that token. It is meant for the embedded emulator; remove it unless that is what you want.")]
    private static partial void LogDefaultTokenUpstream(ILogger logger, string setting);

    [LoggerMessage(EventId = 143, Level = LogLevel.Warning, Message = "{Setting} does not apply: service identities are on (callers present JWTs, and the gateway calls DRS with the credentials it holds).")]
    private static partial void LogDefaultTokenUnused(ILogger logger, string setting);

    [LoggerMessage(EventId = 144, Level = LogLevel.Warning, Message = "{Setting} is the embedded emulator's demo project {DemoProject} in front of an https Drs:Endpoint: callers without X-Project-Id ask DRS about a project that is not yours. Set it to your DRS project ID.")]
    private static partial void LogDemoProject(ILogger logger, string setting, string demoProject);

    [LoggerMessage(EventId = 145, Level = LogLevel.Warning, Message = "{Setting}={Value} is more than the process's open-file limit {OpenFiles} leaves for connections ({Room}): a flood of connections would run it out of file descriptors, which it does not recover from. Raise the limit (ulimit -n) or lower the setting.")]
    private static partial void LogCeilingAboveOpenFiles(ILogger logger, string setting, int value, long openFiles, int room);

    [LoggerMessage(EventId = 141, Level = LogLevel.Warning, Message = "{Setting}={Value} does not apply: {Allowance}=0 (no limit per caller) lifts the limit per address too. Set a limit per caller to have one per address.")]
    private static partial void LogLifted(ILogger logger, string setting, int value, string allowance);
}
