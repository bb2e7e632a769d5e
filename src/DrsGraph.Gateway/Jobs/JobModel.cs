namespace DrsGraph.Gateway.Jobs;

// The gateway's own vocabulary for a job: typed, named for people, free of the wire's sentinels.
// Every value here is produced by JobMapper from the DRS wire records, and only there.

/// <summary>Every status docs/drs-api.md lists, plus <see cref="Unknown"/> for values DRS adds later.</summary>
public enum JobStatus
{
    Unknown,
    Creating,
    CreateFailed,
    Configuration,
    Startjobing,
    WaitingForStart,
    StartJobFailed,
    Pausing,
    FullTransferStarted,
    FullTransferFailed,
    FullTransferComplete,
    IncreTransferStarted,
    IncreTransferFailed,
    ReleaseResourceStarted,
    ReleaseResourceFailed,
    ReleaseResourceComplete,
    RebuildNodeStarted,
    RebuildNodeFailed,
    ChangeJobStarted,
    ChangeJobFailed,
    Deleted,
    ChildTransferStarting,
    ChildTransferStarted,
    ChildTransferComplete,
    ChildTransferFailed,
    ReleaseChildTransferStarted,
    ReleaseChildTransferComplete,
    NodeUpgradeStart,
    NodeUpgradeComplete,
    NodeUpgradeFailed,
}

/// <summary>A coarse phase for job lists, derived from the status so frontends need not re-derive it.</summary>
public enum JobPhase
{
    Unknown,
    Creating,
    Configuring,
    Starting,
    FullTransfer,
    Incremental,
    Completed,
    Paused,
    Changing,
    Stopping,
    Stopped,
    Failed,
    Deleted,
}

public enum TaskMode
{
    Unknown,
    FullTrans,
    IncrTrans,
    FullIncrTrans,
}

public enum DatabaseType
{
    Unknown,
    Mysql,
    Mongodb,
    Gaussdbv5,
    Gaussdbv5ha,
    Postgresql,
    Kafka,
    Taurus,
    Oracle,
    Redis,
    Sqlserver,
}

public enum DbUseType
{
    Unknown,
    Migration,
    Sync,
    CloudDataGuard,
}

public enum NetType
{
    Unknown,
    Vpn,
    Vpc,
    Eip,
}

public enum ProgressPhaseKind
{
    Other,
    Structure,
    Data,
    Index,
}

/// <summary>The batch-status answer for one job.</summary>
public sealed record JobStatusInfo(
    JobStatus Status,
    string? RawStatus,
    JobPhase Phase,
    bool IsTerminal,
    bool IsFailed,
    string? ErrorCode,
    string? ErrorMessage);

/// <summary>The batch-progress answer for one job.</summary>
public sealed record JobProgress(
    double? Percent,
    JobStatus TransferStatus,
    string? RawTransferStatus,
    TaskMode TaskMode,
    string? RawTaskMode,
    int? IncrementalDelaySeconds,
    long? IncrementalDelayMilliseconds,
    DateTime? ProcessedAt,
    int? RemainingSeconds,
    IReadOnlyList<ProgressPhase> Phases,
    string? ErrorCode,
    string? ErrorMessage);

/// <summary>One entry of <c>progress_map</c>: structure, data or index migration.</summary>
public sealed record ProgressPhase(string Name, ProgressPhaseKind Kind, double? Percent, int? RemainingSeconds);

/// <summary>The batch-detail answer for one job.</summary>
public sealed record JobDetail
{
    public required string Id { get; init; }
    public string? ParentId { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public JobStatus Status { get; init; }
    public string? RawStatus { get; init; }
    public TaskMode TaskType { get; init; }
    public string? RawTaskType { get; init; }
    public DateTime? CreatedAt { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? FullTransferCompletedAt { get; init; }
    public DateTime? UpdatedAt { get; init; }
    public string? Direction { get; init; }
    public DbUseType UseType { get; init; }
    public string? RawUseType { get; init; }
    public NetType NetType { get; init; }
    public string? RawNetType { get; init; }
    public DatabaseEndpoint? Source { get; init; }
    public DatabaseEndpoint? Target { get; init; }
    public ReplicationInstance? ReplicationInstance { get; init; }
    public IReadOnlyList<SpeedLimit> SpeedLimits { get; init; } = [];
    public IReadOnlyList<Tag> Tags { get; init; } = [];
    public int? NodeCount { get; init; }
    public bool? NeedsRestart { get; init; }
    public bool? IsTargetReadOnly { get; init; }
    public bool? ObjectSwitch { get; init; }
    public bool? ReplaceDefiner { get; init; }
    public bool? MigrateUser { get; init; }
    public bool? MultiWrite { get; init; }
    public bool? SupportsIpV6 { get; init; }
    public string? ConflictPolicy { get; init; }
    public string? FilterDdlPolicy { get; init; }
    public string? SchemaType { get; init; }
    public string? AvailabilityZone { get; init; }
    public string? VpcId { get; init; }
    public string? SubnetId { get; init; }
    public string? SecurityGroupId { get; init; }
    public string? MasterJobId { get; init; }
    public AlarmNotification? AlarmNotification { get; init; }
    public string? IncrementalStartPosition { get; init; }
    public string? FailedReason { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
}

/// <summary>A source or target database of a job.</summary>
public sealed record DatabaseEndpoint
{
    public DatabaseType DbType { get; init; }
    public string? RawDbType { get; init; }
    public string? Host { get; init; }
    public int? Port { get; init; }
    public bool? SslEnabled { get; init; }
    public string? Region { get; init; }
    public string? ProjectId { get; init; }
    public string? InstanceId { get; init; }
    public string? InstanceName { get; init; }
    public string? User { get; init; }
    public string? VpcId { get; init; }
    public string? SubnetId { get; init; }
    public string? SecurityGroupId { get; init; }
    public string? AvailabilityZone { get; init; }
}

/// <summary>The DRS replication instance that runs a job.</summary>
public sealed record ReplicationInstance
{
    public string? Ip { get; init; }
    public string? PublicIp { get; init; }
    public string? InstanceType { get; init; }
    public string? EngineType { get; init; }
    public int? VolumeSizeGb { get; init; }
    public DateTime? StartedAt { get; init; }
    /// <summary>Upper-cased: DRS answers both "ACTIVE" and "active".</summary>
    public string? Status { get; init; }
}

/// <summary>Who DRS alarms about a job, and when (batch-detail's <c>alarm_notify</c>).</summary>
public sealed record AlarmNotification
{
    public string? TopicName { get; init; }
    public long? DelayTime { get; init; }
    public long? RtoDelay { get; init; }
    public long? RpoDelay { get; init; }
    public bool? AlarmToUser { get; init; }
    public IReadOnlyList<AlarmSubscription> Subscriptions { get; init; } = [];
}

/// <summary>One delivery of alarms: a protocol (sms, email, ...) and its recipients.</summary>
public sealed record AlarmSubscription(string? Protocol, IReadOnlyList<string> Endpoints);

/// <summary>A bandwidth window: <c>Begin</c>/<c>End</c> as "HH:mm".</summary>
public sealed record SpeedLimit(double? MegabytesPerSecond, string? Begin, string? End, bool? IsUtc);

public sealed record Tag(string Key, string? Value);
