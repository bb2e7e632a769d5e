using System.Collections.Frozen;
using System.Globalization;
using DrsGraph.DrsClient.Wire;

namespace DrsGraph.Gateway.Jobs;

/// <summary>
/// The one place where DRS wire records become the gateway's vocabulary: epoch-ms strings become
/// DateTimes, percentage strings numbers, sentinels ("-1", "0") null, open enums typed values with an
/// Unknown fallback (the raw string stays reachable).
/// </summary>
public static class JobMapper
{
    private static readonly FrozenDictionary<string, JobStatus> Statuses = BuildStatuses();

    private static readonly FrozenSet<JobStatus> Terminal = new[]
    {
        // docs/drs-api.md#statuses-and-lifecycle: effectively terminal; infrastructure tools stop polling here.
        JobStatus.CreateFailed, JobStatus.ReleaseResourceComplete, JobStatus.ReleaseChildTransferComplete, JobStatus.Deleted,
    }.ToFrozenSet();

    public static JobStatus ParseStatus(string? raw) =>
        raw is not null && Statuses.TryGetValue(raw.Trim(), out var status) ? status : JobStatus.Unknown;

    public static bool IsTerminal(JobStatus status) => Terminal.Contains(status);

    public static bool IsFailed(JobStatus status) => status is JobStatus.CreateFailed or JobStatus.StartJobFailed
        or JobStatus.FullTransferFailed or JobStatus.IncreTransferFailed or JobStatus.ReleaseResourceFailed
        or JobStatus.RebuildNodeFailed or JobStatus.ChangeJobFailed or JobStatus.ChildTransferFailed
        or JobStatus.NodeUpgradeFailed;

    /// <summary>
    /// <see cref="IsFailed(JobStatus)"/>, and for a status this gateway does not know yet, whether DRS's raw value
    /// is a <c>*_FAILED</c> one: the schema promises isFailed for every such status, and DRS adds statuses over time.
    /// </summary>
    public static bool IsFailed(JobStatus status, string? raw) =>
        IsFailed(status) || (status == JobStatus.Unknown && raw is not null && raw.Trim().EndsWith("_FAILED", StringComparison.OrdinalIgnoreCase));

    public static JobPhase PhaseOf(JobStatus status) => status switch
    {
        JobStatus.Creating => JobPhase.Creating,
        JobStatus.Configuration => JobPhase.Configuring,
        JobStatus.Startjobing or JobStatus.WaitingForStart or JobStatus.ChildTransferStarting => JobPhase.Starting,
        JobStatus.FullTransferStarted or JobStatus.ChildTransferStarted => JobPhase.FullTransfer,
        JobStatus.IncreTransferStarted => JobPhase.Incremental,
        JobStatus.FullTransferComplete or JobStatus.ChildTransferComplete => JobPhase.Completed,
        JobStatus.Pausing => JobPhase.Paused,
        JobStatus.ChangeJobStarted or JobStatus.RebuildNodeStarted or JobStatus.NodeUpgradeStart or JobStatus.NodeUpgradeComplete => JobPhase.Changing,
        JobStatus.ReleaseResourceStarted or JobStatus.ReleaseChildTransferStarted => JobPhase.Stopping,
        JobStatus.ReleaseResourceComplete or JobStatus.ReleaseChildTransferComplete => JobPhase.Stopped,
        JobStatus.Deleted => JobPhase.Deleted,
        JobStatus.Unknown => JobPhase.Unknown,
        _ when IsFailed(status) => JobPhase.Failed,
        _ => JobPhase.Unknown,
    };

    /// <summary>
    /// <see cref="PhaseOf(JobStatus)"/>, and <c>FAILED</c> for a status this gateway does not know yet whose raw value is
    /// a <c>*_FAILED</c> one, as <see cref="IsFailed(JobStatus, string)"/> says: a filter on phase FAILED and one on
    /// isFailed find the same jobs.
    /// </summary>
    public static JobPhase PhaseOf(JobStatus status, string? raw) => IsFailed(status, raw) ? JobPhase.Failed : PhaseOf(status);

    public static JobStatusInfo ToStatus(JobStatusWire wire)
    {
        var status = ParseStatus(wire.Status);
        return new JobStatusInfo(status, wire.Status, PhaseOf(status, wire.Status), IsTerminal(status), IsFailed(status, wire.Status), wire.ErrorCode, wire.Message);
    }

    public static JobProgress ToProgress(JobProgressWire wire)
    {
        var transferStatus = ParseStatus(wire.TransferStatus);
        var delaySeconds = ParseInt(wire.IncreTransDelay);
        var delayMillis = ParseLong(wire.IncreTransDelayMillis);
        var phases = wire.ProgressMap is null
            ? []
            : wire.ProgressMap.Select(p => new ProgressPhase(p.Key, PhaseKindOf(p.Key), ParsePercent(p.Value?.Completed), NonNegative(ParseInt(p.Value?.RemainingTime)))).ToArray();
        return new JobProgress(
            Percent: ParsePercent(wire.Progress),
            TransferStatus: transferStatus,
            RawTransferStatus: NullIfEmpty(wire.TransferStatus),
            TaskMode: ParseTaskMode(wire.TaskMode),
            RawTaskMode: NullIfEmpty(wire.TaskMode),
            // "-1" means "no incremental phase (yet)": not a delay of minus one second.
            IncrementalDelaySeconds: NonNegative(delaySeconds),
            IncrementalDelayMilliseconds: delayMillis is >= 0 ? delayMillis : null,
            ProcessedAt: ParseEpochMillis(wire.ProcessTime),
            RemainingSeconds: NonNegative(ParseInt(wire.RemainingTime)),
            Phases: phases,
            ErrorCode: wire.ErrorCode,
            ErrorMessage: wire.Message);
    }

    public static JobDetail ToDetail(string id, JobDetailWire wire)
    {
        var status = ParseStatus(wire.Status);
        return new JobDetail
        {
            Id = wire.Id ?? id,
            ParentId = NullIfEmpty(wire.ParentId),
            Name = wire.Name,
            Description = NullIfEmpty(wire.Description),
            Status = status,
            RawStatus = wire.Status,
            TaskType = ParseTaskMode(wire.TaskType),
            RawTaskType = wire.TaskType,
            CreatedAt = ParseEpochMillis(wire.CreateTime),
            StartedAt = ParseEpochMillis(wire.ActualStartTime),
            FullTransferCompletedAt = ParseEpochMillis(wire.FullTransferCompleteTime),
            UpdatedAt = ParseEpochMillis(wire.UpdateTime),
            Direction = NullIfEmpty(wire.JobDirection),
            UseType = ParseUseType(wire.DbUseType),
            RawUseType = NullIfEmpty(wire.DbUseType),
            NetType = ParseNetType(wire.NetType),
            RawNetType = NullIfEmpty(wire.NetType),
            Source = ToEndpoint(wire.SourceEndpoint),
            Target = ToEndpoint(wire.TargetEndpoint),
            ReplicationInstance = ToInstance(wire.InstInfo),
            SpeedLimits = wire.SpeedLimit?.Where(s => s is not null).Select(s => new SpeedLimit(ParseDouble(s.Speed), s.Begin, s.End, s.IsUtc)).ToArray() ?? [],
            Tags = wire.Tags?.Where(t => !string.IsNullOrEmpty(t?.Key)).Select(t => new Tag(t.Key!, t.Value)).ToArray() ?? [],
            NodeCount = wire.NodeNum is >= 0 ? wire.NodeNum : null,
            NeedsRestart = wire.NeedRestart,
            IsTargetReadOnly = wire.IsTargetReadonly,
            ObjectSwitch = wire.ObjectSwitch,
            ReplaceDefiner = wire.ReplaceDefiner,
            MigrateUser = wire.MigrateUser,
            MultiWrite = wire.MultiWrite,
            SupportsIpV6 = wire.SupportIpV6,
            ConflictPolicy = NullIfEmpty(wire.ConflictPolicy),
            FilterDdlPolicy = NullIfEmpty(wire.FilterDdlPolicy),
            SchemaType = NullIfEmpty(wire.SchemaType),
            AvailabilityZone = NullIfEmpty(wire.AzCode),
            VpcId = NullIfEmpty(wire.VpcId),
            SubnetId = NullIfEmpty(wire.SubnetId),
            SecurityGroupId = NullIfEmpty(wire.SecurityGroupId),
            MasterJobId = NullIfEmpty(wire.MasterJobId),
            AlarmNotification = ToAlarmNotification(wire.AlarmNotify),
            IncrementalStartPosition = NullIfEmpty(wire.IncreStartPosition),
            FailedReason = NullIfEmpty(wire.FailedReason),
            ErrorCode = NullIfEmpty(wire.ErrorCode),
            ErrorMessage = NullIfEmpty(wire.Message),
        };
    }

    private static DatabaseEndpoint? ToEndpoint(EndpointWire? wire) => wire is null ? null : new DatabaseEndpoint
    {
        DbType = ParseDatabaseType(wire.DbType),
        RawDbType = wire.DbType,
        Host = NullIfEmpty(wire.Ip),
        Port = wire.DbPort is > 0 and <= 65535 ? wire.DbPort : null,
        SslEnabled = wire.SslLink,
        Region = NullIfEmpty(wire.Region),
        ProjectId = NullIfEmpty(wire.ProjectId),
        InstanceId = NullIfEmpty(wire.InstId),
        InstanceName = NullIfEmpty(wire.InstName),
        User = NullIfEmpty(wire.DbUser),
        VpcId = NullIfEmpty(wire.VpcId),
        SubnetId = NullIfEmpty(wire.SubnetId),
        SecurityGroupId = NullIfEmpty(wire.SecurityGroupId),
        AvailabilityZone = NullIfEmpty(wire.AzCode),
    };

    private static AlarmNotification? ToAlarmNotification(AlarmNotifyWire? wire) => wire is null ? null : new AlarmNotification
    {
        TopicName = NullIfEmpty(wire.TopicName),
        DelayTime = wire.DelayTime,
        RtoDelay = wire.RtoDelay,
        RpoDelay = wire.RpoDelay,
        AlarmToUser = wire.AlarmToUser,
        Subscriptions = wire.Subscriptions?
            .Where(s => s is not null)
            .Select(s => new AlarmSubscription(NullIfEmpty(s.Protocol), s.Endpoints?.Where(e => !string.IsNullOrEmpty(e)).ToArray() ?? []))
            .ToArray() ?? [],
    };

    private static ReplicationInstance? ToInstance(InstInfoWire? wire) => wire is null ? null : new ReplicationInstance
    {
        Ip = NullIfEmpty(wire.Ip),
        PublicIp = NullIfEmpty(wire.PublicIp),
        InstanceType = NullIfEmpty(wire.InstType),
        EngineType = NullIfEmpty(wire.EngineType),
        VolumeSizeGb = wire.VolumeSize,
        StartedAt = ParseEpochMillis(wire.StartTime),
        Status = NullIfEmpty(wire.Status)?.ToUpperInvariant(),
    };

    public static TaskMode ParseTaskMode(string? raw) => raw?.Trim().ToUpperInvariant() switch
    {
        "FULL_TRANS" => TaskMode.FullTrans,
        "INCR_TRANS" => TaskMode.IncrTrans,
        "FULL_INCR_TRANS" => TaskMode.FullIncrTrans,
        _ => TaskMode.Unknown,
    };

    private static DatabaseType ParseDatabaseType(string? raw) =>
        // Enum.TryParse also takes numbers and comma-joined names ("mysql,mongodb" read as their flags' sum): neither is a
        // database type, only one name is.
        Enum.TryParse<DatabaseType>(raw?.Trim(), ignoreCase: true, out var type) && type != DatabaseType.Unknown && !int.TryParse(raw, out _) && !raw!.Contains(',', StringComparison.Ordinal)
            ? type
            : DatabaseType.Unknown;

    public static DbUseType ParseUseType(string? raw) => raw?.Trim().ToUpperInvariant() switch
    {
        "MIGRATION" => DbUseType.Migration,
        "SYNC" => DbUseType.Sync,
        "CLOUDDATAGUARD" => DbUseType.CloudDataGuard,
        _ => DbUseType.Unknown,
    };

    public static NetType ParseNetType(string? raw) => raw?.Trim().ToUpperInvariant() switch
    {
        "VPN" => NetType.Vpn,
        "VPC" => NetType.Vpc,
        "EIP" => NetType.Eip,
        _ => NetType.Unknown,
    };

    private static ProgressPhaseKind PhaseKindOf(string name) => name.ToUpperInvariant() switch
    {
        "STRUCT" or "STRUCTURE" => ProgressPhaseKind.Structure,
        "DATA" => ProgressPhaseKind.Data,
        "INDEX" => ProgressPhaseKind.Index,
        _ => ProgressPhaseKind.Other,
    };

    /// <summary>Epoch-millisecond string to UTC; "0", empty and garbage mean "not applicable".</summary>
    public static DateTime? ParseEpochMillis(string? raw) =>
        long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 0 && ms <= 253402300799999
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime
            : null;

    /// <summary>
    /// "94%", "94" or "94.5" to 94.5; null when absent, unreadable or outside 0..100 (the schema promises a percentage,
    /// and "-5", "150" or "1e20" from a broken upstream were answered as they came).
    /// </summary>
    public static double? ParsePercent(string? raw) => ParseDouble(raw?.Trim().TrimEnd('%')) is { } value && value is >= 0 and <= 100 ? value : null;

    private static double? ParseDouble(string? raw) =>
        double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    private static int? ParseInt(string? raw) =>
        int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static long? ParseLong(string? raw) =>
        long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static int? NonNegative(int? value) => value is >= 0 ? value : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static FrozenDictionary<string, JobStatus> BuildStatuses()
    {
        var map = new Dictionary<string, JobStatus>(StringComparer.OrdinalIgnoreCase)
        {
            ["CREATING"] = JobStatus.Creating,
            ["CREATE_FAILED"] = JobStatus.CreateFailed,
            ["CONFIGURATION"] = JobStatus.Configuration,
            ["STARTJOBING"] = JobStatus.Startjobing,
            ["WAITING_FOR_START"] = JobStatus.WaitingForStart,
            ["START_JOB_FAILED"] = JobStatus.StartJobFailed,
            ["PAUSING"] = JobStatus.Pausing,
            // The published pages misspell it in one place; accept both spellings.
            ["PAUSEING"] = JobStatus.Pausing,
            ["FULL_TRANSFER_STARTED"] = JobStatus.FullTransferStarted,
            ["FULL_TRANSFER_FAILED"] = JobStatus.FullTransferFailed,
            ["FULL_TRANSFER_COMPLETE"] = JobStatus.FullTransferComplete,
            ["INCRE_TRANSFER_STARTED"] = JobStatus.IncreTransferStarted,
            ["INCRE_TRANSFER_FAILED"] = JobStatus.IncreTransferFailed,
            ["RELEASE_RESOURCE_STARTED"] = JobStatus.ReleaseResourceStarted,
            ["RELEASE_RESOURCE_FAILED"] = JobStatus.ReleaseResourceFailed,
            ["RELEASE_RESOURCE_COMPLETE"] = JobStatus.ReleaseResourceComplete,
            ["REBUILD_NODE_STARTED"] = JobStatus.RebuildNodeStarted,
            ["REBUILD_NODE_FAILED"] = JobStatus.RebuildNodeFailed,
            ["CHANGE_JOB_STARTED"] = JobStatus.ChangeJobStarted,
            ["CHANGE_JOB_FAILED"] = JobStatus.ChangeJobFailed,
            ["DELETED"] = JobStatus.Deleted,
            ["CHILD_TRANSFER_STARTING"] = JobStatus.ChildTransferStarting,
            ["CHILD_TRANSFER_STARTED"] = JobStatus.ChildTransferStarted,
            ["CHILD_TRANSFER_COMPLETE"] = JobStatus.ChildTransferComplete,
            ["CHILD_TRANSFER_FAILED"] = JobStatus.ChildTransferFailed,
            ["RELEASE_CHILD_TRANSFER_STARTED"] = JobStatus.ReleaseChildTransferStarted,
            ["RELEASE_CHILD_TRANSFER_COMPLETE"] = JobStatus.ReleaseChildTransferComplete,
            ["NODE_UPGRADE_START"] = JobStatus.NodeUpgradeStart,
            ["NODE_UPGRADE_COMPLETE"] = JobStatus.NodeUpgradeComplete,
            ["NODE_UPGRADE_FAILED"] = JobStatus.NodeUpgradeFailed,
        };
        return map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
