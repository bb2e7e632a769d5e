using DrsGraph.DrsClient;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.DataLoading;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.Jobs;
using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;

namespace DrsGraph.Gateway.GraphQLSchema;

/// <summary>
/// What <c>job</c> and <c>jobs</c> return: just the ID. Every other field is loaded lazily, in batches;
/// or, for a subscription event, read from the poll's <see cref="Snapshot"/>; or, for a node of a job list's page, the
/// status fields from what the list said (<see cref="ListedStatus"/>).
/// </summary>
public sealed record JobRef(string Id, JobSnapshot? Snapshot = null, Fetched<JobStatusInfo>? ListedStatus = null);

public sealed class JobStatusGraphType : EnumerationGraphType<JobStatus>
{
    public JobStatusGraphType()
    {
        Name = "JobStatus";
        Description = "A DRS job status. DRS adds statuses over time: those this gateway does not know yet are UNKNOWN, with the raw value in `rawStatus`.";
        Values["UNKNOWN"]!.Description = "A status this gateway does not know yet; see the raw field next to this one.";
        Values["PAUSING"]!.Description = "Pausing or paused (the DRS pages also spell it PAUSEING).";
    }
}

public sealed class JobPhaseGraphType : EnumerationGraphType<JobPhase>
{
    public JobPhaseGraphType()
    {
        Name = "JobPhase";
        Description = "A coarse phase derived from the status, for job lists and badges.";
    }
}

public sealed class TaskModeGraphType : EnumerationGraphType<TaskMode>
{
    public TaskModeGraphType()
    {
        Name = "TaskMode";
        Description = "FULL_TRANS: full migration only; INCR_TRANS: incremental only; FULL_INCR_TRANS: full then incremental. UNKNOWN for values added later.";
    }
}

public sealed class DatabaseTypeGraphType : EnumerationGraphType<DatabaseType>
{
    public DatabaseTypeGraphType()
    {
        Name = "DatabaseType";
        Description = "Database engine of an endpoint; UNKNOWN for engines added later (see `rawDbType`).";
    }

    // CONSTANT_CASE splits before a digit (GAUSSDBV_5); DRS spells them gaussdbv5 and gaussdbv5ha.
    protected override string ChangeEnumCase(string val) => val switch
    {
        nameof(DatabaseType.Gaussdbv5) => "GAUSSDBV5",
        nameof(DatabaseType.Gaussdbv5ha) => "GAUSSDBV5HA",
        _ => base.ChangeEnumCase(val),
    };
}

public sealed class DbUseTypeGraphType : EnumerationGraphType<DbUseType>
{
    public DbUseTypeGraphType()
    {
        Name = "DbUseType";
        Description = "What the job is for: MIGRATION, SYNC (synchronization) or CLOUD_DATA_GUARD (disaster recovery).";
    }
}

public sealed class NetTypeGraphType : EnumerationGraphType<NetType>
{
    public NetTypeGraphType()
    {
        Name = "NetType";
        Description = "How the replication instance reaches the source: VPN, VPC or EIP (public network).";
    }
}

public sealed class ProgressPhaseKindGraphType : EnumerationGraphType<ProgressPhaseKind>
{
    public ProgressPhaseKindGraphType()
    {
        Name = "ProgressPhaseKind";
        Description = "STRUCTURE, DATA or INDEX migration; OTHER for phases DRS adds later.";
    }
}

public sealed class JobGraphType : ObjectGraphType<JobRef>
{
    public JobGraphType()
    {
        Name = "Job";
        Description = "A DRS replication job. `status` and friends cost one batch-status call per operation, `progress` one batch-progress call, `detail` one batch-detail call, however many jobs and aliases ask.";

        Field<NonNullGraphType<IdGraphType>>("id").Description("The DRS job ID.").Resolve(c => c.Source.Id);

        Field<JobStatusGraphType>("status").Description("Current status (batch-status).")
            .Resolve(c => FromStatus(c, s => s.Value.Status));
        Field<StringGraphType>("rawStatus").Description("The status exactly as DRS sent it.")
            .Resolve(c => FromStatus(c, s => s.Value.RawStatus));
        Field<JobPhaseGraphType>("phase").Description("Coarse phase derived from the status (FAILED also for a *_FAILED status this gateway does not know yet).")
            .Resolve(c => FromStatus(c, s => s.Value.Phase));
        Field<BooleanGraphType>("isTerminal").Description("True when the job will not change any more (CREATE_FAILED, RELEASE_RESOURCE_COMPLETE, RELEASE_CHILD_TRANSFER_COMPLETE, DELETED): stop polling.")
            .Resolve(c => FromStatus(c, s => s.Value.IsTerminal));
        Field<BooleanGraphType>("isFailed").Description("True for every *_FAILED status, also one this gateway does not know yet (status UNKNOWN).")
            .Resolve(c => FromStatus(c, s => s.Value.IsFailed));
        Field<StringGraphType>("errorCode").Description("Error code DRS reports with the status of a failed job.")
            .Resolve(c => FromStatus(c, s => s.Value.ErrorCode, listedWillDo: false));
        Field<StringGraphType>("errorMessage").Description("Error message DRS reports with the status of a failed job.")
            .Resolve(c => FromStatus(c, s => s.Value.ErrorMessage, listedWillDo: false));
        // Freshness: how old the status answer is (the cache's), and whether it is a stale fallback.
        Field<FreshnessGraphType>("statusFreshness").Description("When the status fields above were fetched from DRS, and whether they are a stale fallback served because DRS failed.")
            .Resolve(c => FromStatus(c, s => s.Freshness));

        Field<JobProgressGraphType>("progress").Description("Full-migration progress and incremental delay (batch-progress).")
            .Resolve(c => Load(c, loaders => loaders.Progress, snapshot => snapshot.Progress));
        Field<JobDetailGraphType>("detail").Description("Configuration and endpoints of the job (batch-detail).")
            .Resolve(c => Load(c, loaders => loaders.Detail, snapshot => snapshot.Detail));
    }

    // One mapping per field, picking from the unwrapped status: a Then on top of Load's Then cost every status-derived
    // field (100 in a 20-job query) a second MappedResult, closure and async state machine (bench/README.md, "issue 15, waste on the cold path").
    // A job list's node answers from the list's status (what its filter and order used): its page costs no batch-status
    // call, cache or no cache. Not a failed job's error code and message, which only batch-status gives (listedWillDo false).
    private static IDataLoaderResult<object?> FromStatus<T>(IResolveFieldContext<JobRef> context, Func<Fetched<JobStatusInfo>, T> pick, bool listedWillDo = true) =>
        context.Source.ListedStatus is { } listed && (listedWillDo || !listed.Value.IsFailed)
            ? DataLoaderResultExtensions.Completed<object?>(pick(listed))
            : Load(context, loaders => loaders.Status, snapshot => snapshot.Status, status => pick(status));

    private static IDataLoaderResult<object?> Load<TValue>(
        IResolveFieldContext<JobRef> context, Func<JobLoaders, BatchDataLoader<TValue>> loader, Func<JobSnapshot, DrsResult<TValue>?> fromSnapshot)
        where TValue : class =>
        Load(context, loader, fromSnapshot, static value => value);

    private static IDataLoaderResult<object?> Load<TValue>(
        IResolveFieldContext<JobRef> context, Func<JobLoaders, BatchDataLoader<TValue>> loader, Func<JobSnapshot, DrsResult<TValue>?> fromSnapshot, Func<TValue, object?> select)
        where TValue : class
    {
        var id = context.Source.Id;
        if (context.Source.Snapshot is { } snapshot)
        {
            // A subscription event: the poll already has the answer (or its error, which lands on this field).
            return DataLoaderResultExtensions.Completed(select(Unwrap(id, fromSnapshot(snapshot) ?? NotPolled<TValue>())));
        }

        // A header problem never gets here: the root field reported it (GatewayUserContext.CallerFor). The loaders are
        // those of the region the root field reads.
        // Read now: the resolver's context may be reused by the time the loader answers.
        var errors = context.Errors as CappedExecutionErrors;
        return loader(GatewayUserContext.Of(context).LoadersFor(context)).Load(id)
            .Then(result => result.Value is { } value ? select(value) : Failed(id, result.Error!, errors));
    }

    // Once the answer lists as many errors as it may, a failed field is null and counted, without building an error
    // (and throwing it) that would be dropped anyway: 200 000 of them cost seconds of CPU.
    private static object? Failed(string id, DrsError error, CappedExecutionErrors? errors)
    {
        if (errors is { IsFull: true })
        {
            errors.CountLeftOut();
            return null;
        }

        throw GatewayErrors.FromDrs(id, error);
    }

    // Only when a poll could not fetch a field its subscribers selected (it failed as a whole).
    private static readonly DrsError NotPolledError = new(DrsErrorCodes.UpstreamUnavailable, "The poll could not fetch this field from DRS.", DrsErrorKind.Unavailable);

    private static DrsResult<TValue> NotPolled<TValue>() where TValue : class => DrsResult<TValue>.Failure(NotPolledError);

    private static TValue Unwrap<TValue>(string id, DrsResult<TValue> result) where TValue : class =>
        result.Value ?? throw GatewayErrors.FromDrs(id, result.Error!);
}

/// <summary>A job's progress; its source is the loaded value with its freshness.</summary>
public sealed class JobProgressGraphType : ObjectGraphType<Fetched<JobProgress>>
{
    public JobProgressGraphType()
    {
        Name = "JobProgress";
        Description = "Progress of a job, typed: numbers instead of strings, null where DRS says \"not applicable\".";
        Field(x => x.Value.Percent, nullable: true).Description("Overall full-migration progress, 0 to 100.");
        Field<NonNullGraphType<JobStatusGraphType>>("transferStatus").Description("Status as seen by batch-progress.").Resolve(c => c.Source.Value.TransferStatus);
        Field(x => x.Value.RawTransferStatus, nullable: true).Description("transfer_status exactly as DRS sent it.");
        Field<NonNullGraphType<TaskModeGraphType>>("taskMode").Resolve(c => c.Source.Value.TaskMode);
        Field(x => x.Value.RawTaskMode, nullable: true).Description("task_mode exactly as DRS sent it.");
        Field(x => x.Value.IncrementalDelaySeconds, nullable: true).Description("Incremental replication delay in seconds; null before the incremental phase (DRS sends \"-1\").");
        Field(x => x.Value.IncrementalDelayMilliseconds, nullable: true).Description("The same delay in milliseconds, when DRS sends it.");
        Field(x => x.Value.ProcessedAt, nullable: true).Description("Time of the latest change applied to the target; null when not applicable (DRS sends \"0\").");
        Field(x => x.Value.RemainingSeconds, nullable: true).Description("Estimated seconds until the full migration completes.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ProgressPhaseGraphType>>>>("phases").Description("Structure, data and index progress (DRS progress_map).").Resolve(c => c.Source.Value.Phases);
        Field(x => x.Value.ErrorCode, nullable: true);
        Field(x => x.Value.ErrorMessage, nullable: true);
        Field<FreshnessGraphType>("freshness").Description("When this progress was fetched from DRS, and whether it is a stale fallback served because DRS failed.").Resolve(c => c.Source.Freshness);
    }
}

public sealed class ProgressPhaseGraphType : ObjectGraphType<ProgressPhase>
{
    public ProgressPhaseGraphType()
    {
        Name = "ProgressPhase";
        Field(x => x.Name).Description("The phase name as DRS sends it (struct, data, index, ...).");
        Field<NonNullGraphType<ProgressPhaseKindGraphType>>("kind").Resolve(c => c.Source.Kind);
        Field(x => x.Percent, nullable: true).Description("Completion, 0 to 100.");
        Field(x => x.RemainingSeconds, nullable: true);
    }
}

/// <summary>A job's detail; its source is the loaded value with its freshness.</summary>
public sealed class JobDetailGraphType : ObjectGraphType<Fetched<JobDetail>>
{
    public JobDetailGraphType()
    {
        Name = "JobDetail";
        Description = "What batch-detail says about a job, typed.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Value.Id);
        Field(x => x.Value.ParentId, nullable: true).Description("Parent job of a subtask.");
        Field(x => x.Value.Name, nullable: true);
        Field(x => x.Value.Description, nullable: true);
        Field<NonNullGraphType<JobStatusGraphType>>("status").Resolve(c => c.Source.Value.Status);
        Field(x => x.Value.RawStatus, nullable: true);
        Field<NonNullGraphType<TaskModeGraphType>>("taskType").Resolve(c => c.Source.Value.TaskType);
        Field(x => x.Value.RawTaskType, nullable: true);
        Field(x => x.Value.CreatedAt, nullable: true);
        Field(x => x.Value.StartedAt, nullable: true).Description("When the job actually started.");
        Field(x => x.Value.FullTransferCompletedAt, nullable: true);
        Field(x => x.Value.UpdatedAt, nullable: true);
        Field(x => x.Value.Direction, nullable: true).Description("up (to the cloud), down (out of the cloud) or non-dbs.");
        Field<NonNullGraphType<DbUseTypeGraphType>>("useType").Resolve(c => c.Source.Value.UseType);
        Field(x => x.Value.RawUseType, nullable: true);
        Field<NonNullGraphType<NetTypeGraphType>>("netType").Resolve(c => c.Source.Value.NetType);
        Field(x => x.Value.RawNetType, nullable: true);
        Field<DatabaseEndpointGraphType>("source").Resolve(c => c.Source.Value.Source);
        Field<DatabaseEndpointGraphType>("target").Resolve(c => c.Source.Value.Target);
        Field<ReplicationInstanceGraphType>("replicationInstance").Resolve(c => c.Source.Value.ReplicationInstance);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SpeedLimitGraphType>>>>("speedLimits").Resolve(c => c.Source.Value.SpeedLimits);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TagGraphType>>>>("tags").Resolve(c => c.Source.Value.Tags);
        Field(x => x.Value.NodeCount, nullable: true);
        Field(x => x.Value.NeedsRestart, nullable: true);
        Field(x => x.Value.IsTargetReadOnly, nullable: true);
        Field(x => x.Value.ObjectSwitch, nullable: true);
        Field(x => x.Value.ReplaceDefiner, nullable: true);
        Field(x => x.Value.MigrateUser, nullable: true);
        Field(x => x.Value.MultiWrite, nullable: true);
        Field(x => x.Value.SupportsIpV6, nullable: true);
        Field(x => x.Value.ConflictPolicy, nullable: true);
        Field(x => x.Value.FilterDdlPolicy, nullable: true);
        Field(x => x.Value.SchemaType, nullable: true);
        Field(x => x.Value.AvailabilityZone, nullable: true);
        Field(x => x.Value.VpcId, nullable: true);
        Field(x => x.Value.SubnetId, nullable: true);
        Field(x => x.Value.SecurityGroupId, nullable: true);
        Field(x => x.Value.MasterJobId, nullable: true);
        Field<AlarmNotificationGraphType>("alarmNotification").Description("Who DRS alarms about this job, and when (alarm_notify); null when none is set.")
            .Resolve(c => c.Source.Value.AlarmNotification);
        // Kept for queries written against it (persisted ones included); it was a string DRS never sends.
        Field<StringGraphType>("alarmNotify").Description("The SMN topic of the job's alarm notifications.")
            .DeprecationReason("Use alarmNotification { topicName }.")
            .Resolve(c => c.Source.Value.AlarmNotification?.TopicName);
        Field(x => x.Value.IncrementalStartPosition, nullable: true);
        Field(x => x.Value.FailedReason, nullable: true);
        Field(x => x.Value.ErrorCode, nullable: true);
        Field(x => x.Value.ErrorMessage, nullable: true);
        Field<FreshnessGraphType>("freshness").Description("When this detail was fetched from DRS, and whether it is a stale fallback served because DRS failed.").Resolve(c => c.Source.Freshness);
    }
}

public sealed class DatabaseEndpointGraphType : ObjectGraphType<DatabaseEndpoint>
{
    public DatabaseEndpointGraphType()
    {
        Name = "DatabaseEndpoint";
        Description = "A source or target database. Passwords are never returned by DRS.";
        Field<NonNullGraphType<DatabaseTypeGraphType>>("dbType").Resolve(c => c.Source.DbType);
        Field(x => x.RawDbType, nullable: true);
        Field(x => x.Host, nullable: true).Description("IP address or host name.");
        Field(x => x.Port, nullable: true);
        Field(x => x.SslEnabled, nullable: true);
        Field(x => x.Region, nullable: true);
        Field(x => x.ProjectId, nullable: true);
        Field(x => x.InstanceId, nullable: true);
        Field(x => x.InstanceName, nullable: true);
        Field(x => x.User, nullable: true);
        Field(x => x.VpcId, nullable: true);
        Field(x => x.SubnetId, nullable: true);
        Field(x => x.SecurityGroupId, nullable: true);
        Field(x => x.AvailabilityZone, nullable: true);
    }
}

public sealed class ReplicationInstanceGraphType : ObjectGraphType<ReplicationInstance>
{
    public ReplicationInstanceGraphType()
    {
        Name = "ReplicationInstance";
        Description = "The DRS instance that runs the job.";
        Field(x => x.Ip, nullable: true);
        Field(x => x.PublicIp, nullable: true);
        Field(x => x.InstanceType, nullable: true);
        Field(x => x.EngineType, nullable: true);
        Field(x => x.VolumeSizeGb, nullable: true);
        Field(x => x.StartedAt, nullable: true);
        Field(x => x.Status, nullable: true).Description("Upper-cased (DRS sends both ACTIVE and active).");
    }
}

public sealed class AlarmNotificationGraphType : ObjectGraphType<AlarmNotification>
{
    public AlarmNotificationGraphType()
    {
        Name = "AlarmNotification";
        Description = "A job's alarm notifications: the SMN topic, who is told how, and the delays that raise an alarm. A field DRS leaves out is null (subscriptions: empty).";
        Field(x => x.TopicName, nullable: true).Description("The SMN topic the alarms go to.");
        Field(x => x.DelayTime, nullable: true).Description("Replication delay that raises an alarm (delay_time), as DRS sends it; the public sources state no unit.");
        Field(x => x.RtoDelay, nullable: true).Description("RTO delay that raises an alarm (rto_delay), as DRS sends it.");
        Field(x => x.RpoDelay, nullable: true).Description("RPO delay that raises an alarm (rpo_delay), as DRS sends it.");
        Field(x => x.AlarmToUser, nullable: true).Description("Whether alarms about the job's failures also go to the user (alarm_to_user).");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AlarmSubscriptionGraphType>>>>("subscriptions").Description("How the alarms are delivered, and to whom.")
            .Resolve(c => c.Source.Subscriptions);
    }
}

public sealed class AlarmSubscriptionGraphType : ObjectGraphType<AlarmSubscription>
{
    public AlarmSubscriptionGraphType()
    {
        Name = "AlarmSubscription";
        Description = "One delivery of a job's alarms.";
        Field(x => x.Protocol, nullable: true).Description("sms or email (DRS may add others).");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("endpoints").Description("Phone numbers or e-mail addresses.")
            .Resolve(c => c.Source.Endpoints);
    }
}

public sealed class SpeedLimitGraphType : ObjectGraphType<SpeedLimit>
{
    public SpeedLimitGraphType()
    {
        Name = "SpeedLimit";
        Description = "A bandwidth limit window.";
        Field(x => x.MegabytesPerSecond, nullable: true);
        Field(x => x.Begin, nullable: true).Description("Start, HH:mm.");
        Field(x => x.End, nullable: true).Description("End, HH:mm.");
        Field(x => x.IsUtc, nullable: true);
    }
}

public sealed class TagGraphType : ObjectGraphType<Tag>
{
    public TagGraphType()
    {
        Name = "Tag";
        Field(x => x.Key);
        Field(x => x.Value, nullable: true);
    }
}

public sealed class FreshnessGraphType : ObjectGraphType<Freshness>
{
    public FreshnessGraphType()
    {
        Name = "Freshness";
        Description = "How old an answer is. The gateway caches DRS answers for a few seconds (status, progress), a minute (detail) or minutes (jobs in a terminal status). When DRS fails transiently it serves the last answer it has, with `stale: true`, instead of an error.";
        Field<NonNullGraphType<DateTimeGraphType>>("fetchedAt").Description("When the gateway got this answer from DRS (UTC).").Resolve(c => c.Source.FetchedAt);
        Field<NonNullGraphType<BooleanGraphType>>("stale").Description("True when this answer is past its cache lifetime and was served only because DRS could not be reached (5xx, timeout, throttling); show it as possibly outdated.").Resolve(c => c.Source.Stale);
    }
}
