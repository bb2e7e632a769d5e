namespace DrsGraph.Gateway.Subscriptions;

// Scopes are logged by project only: the token (and even its keyed hash) stays out of the logs.
internal static partial class SubscriptionLog
{
    // Debug: the DRS client's Warning for the 401 is the fault's one line; this is its consequence.
    [LoggerMessage(Level = LogLevel.Debug, Message = "DRS refused the token of a subscription scope in project {ProjectId}; ending its {Subscriptions} subscriptions")]
    public static partial void TokenRefused(ILogger logger, string projectId, int subscriptions);

    [LoggerMessage(Level = LogLevel.Error, Message = "The poller of a subscription scope in project {ProjectId} failed; its subscriptions end")]
    public static partial void PollerFailed(ILogger logger, string projectId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Host stopping: completing {Subscriptions} subscriptions")]
    public static partial void Stopping(ILogger logger, int subscriptions);

    /// <summary><paramref name="exception"/>: the failed command or connection attempt; null when the client saw Redis down first.</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis cannot be used to share subscription polls ({Reason}): each replica polls for its own subscribers until it answers again")]
    public static partial void SharingFailed(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis answers again: subscription polls are shared again")]
    public static partial void SharingResumed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "This replica now polls a subscription scope for every replica (lease taken: {Taken}, else kept across a Redis outage)")]
    public static partial void LeaseTaken(ILogger logger, bool taken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing this replica's subscription leases failed; they lapse and other replicas take over their scopes")]
    public static partial void LeaseRenewalFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "A subscription in project {ProjectId} ended: its caller's bearer token expired")]
    public static partial void CredentialExpired(ILogger logger, string projectId);

    [LoggerMessage(Level = LogLevel.Information, Message = "A watched page in project {ProjectId} can no longer be worked out ({Code}); ending its {Subscriptions} subscriptions")]
    public static partial void PageWatchEnded(ILogger logger, string projectId, string code, int subscriptions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A message on a subscription scope's Redis channel without this gateway's seal was ignored (sent with another Gateway:Cache:KeySecret, or not by a replica); at most one such line a minute")]
    public static partial void UnsealedMessage(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A watched-job registration in Redis without this gateway's seal was ignored (written with another Gateway:Cache:KeySecret, or not by a replica); at most one such line a minute")]
    public static partial void UnsealedRegistration(ILogger logger);
}
