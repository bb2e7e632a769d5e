namespace DrsGraph.Gateway.Subscriptions;

// Scopes are logged by project only: the token (and even its keyed hash) stays out of the logs.
internal static partial class SubscriptionLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "DRS refused the token of a subscription scope in project {ProjectId}; ending its {Subscriptions} subscriptions")]
    public static partial void TokenRefused(ILogger logger, string projectId, int subscriptions);

    [LoggerMessage(Level = LogLevel.Error, Message = "The poller of a subscription scope in project {ProjectId} failed; its subscriptions end")]
    public static partial void PollerFailed(ILogger logger, string projectId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Host stopping: completing {Subscriptions} subscriptions")]
    public static partial void Stopping(ILogger logger, int subscriptions);
}
