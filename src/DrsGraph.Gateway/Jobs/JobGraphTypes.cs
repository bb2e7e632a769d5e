using DrsGraph.DrsClient;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.DataLoading;
using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Types;

namespace DrsGraph.Gateway.Jobs;

/// <summary>What <c>job</c> and <c>jobs</c> return: just the ID. Every other field is loaded lazily, in batches.</summary>
public sealed record JobRef(string Id);

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
            .Resolve(c => FromStatus(c, s => s.Status));
        Field<StringGraphType>("rawStatus").Description("The status exactly as DRS sent it.")
            .Resolve(c => FromStatus(c, s => s.RawStatus));
        Field<JobPhaseGraphType>("phase").Description("Coarse phase derived from the status.")
            .Resolve(c => FromStatus(c, s => s.Phase));
        Field<BooleanGraphType>("isTerminal").Description("True when the job will not change any more (CREATE_FAILED, RELEASE_RESOURCE_COMPLETE, RELEASE_CHILD_TRANSFER_COMPLETE, DELETED): stop polling.")
            .Resolve(c => FromStatus(c, s => s.IsTerminal));
        Field<BooleanGraphType>("isFailed").Description("True for every *_FAILED status.")
            .Resolve(c => FromStatus(c, s => s.IsFailed));
        Field<StringGraphType>("errorCode").Description("Error code DRS reports with the status of a failed job.")
            .Resolve(c => FromStatus(c, s => s.ErrorCode));
        Field<StringGraphType>("errorMessage").Description("Error message DRS reports with the status of a failed job.")
            .Resolve(c => FromStatus(c, s => s.ErrorMessage));
        // Freshness (Caching/): how old the status answer is, and whether it is a stale fallback.
        Field<FreshnessGraphType>("statusFreshness").Description("When the status fields above were fetched from DRS, and whether they are a stale fallback served because DRS failed.")
            .Resolve(c => FromStatus(c, s => s.Freshness));

        Field<JobProgressGraphType>("progress").Description("Full-migration progress and incremental delay (batch-progress).")
            .Resolve(c => Load(c, loaders => loaders.Progress));
        Field<JobDetailGraphType>("detail").Description("Configuration and endpoints of the job (batch-detail).")
            .Resolve(c => Load(c, loaders => loaders.Detail));
    }

    private static IDataLoaderResult<object?> FromStatus<T>(IResolveFieldContext<JobRef> context, Func<JobStatusInfo, T> pick) =>
        Load(context, loaders => loaders.Status).Then(status => (object?)pick((JobStatusInfo)status!));

    private static IDataLoaderResult<object?> Load<TValue>(IResolveFieldContext<JobRef> context, Func<JobLoaders, BatchDataLoader<TValue>> loader)
        where TValue : class
    {
        var id = context.Source.Id;
        var user = context.UserContext as GatewayUserContext
            ?? throw new InvalidOperationException("The gateway's user context is missing.");
        if (user.Problem is { } problem)
        {
            throw GatewayErrors.Create(problem.Code, problem.Message);
        }

        return loader(user.Loaders).Load(id).Then(result => (object?)Unwrap(id, result));
    }

    private static TValue Unwrap<TValue>(string id, DrsResult<TValue> result) where TValue : class =>
        result.Value ?? throw GatewayErrors.FromDrs(id, result.Error!);
}

public sealed class JobProgressGraphType : ObjectGraphType<JobProgress>
{
    public JobProgressGraphType()
    {
        Name = "JobProgress";
        Description = "Progress of a job, typed: numbers instead of strings, null where DRS says \"not applicable\".";
        Field(x => x.Percent, nullable: true).Description("Overall full-migration progress, 0 to 100.");
        Field<NonNullGraphType<JobStatusGraphType>>("transferStatus").Description("Status as seen by batch-progress.").Resolve(c => c.Source.TransferStatus);
        Field(x => x.RawTransferStatus, nullable: true).Description("transfer_status exactly as DRS sent it.");
        Field<NonNullGraphType<TaskModeGraphType>>("taskMode").Resolve(c => c.Source.TaskMode);
        Field(x => x.RawTaskMode, nullable: true).Description("task_mode exactly as DRS sent it.");
        Field(x => x.IncrementalDelaySeconds, nullable: true).Description("Incremental replication delay in seconds; null before the incremental phase (DRS sends \"-1\").");
        Field(x => x.IncrementalDelayMilliseconds, nullable: true).Description("The same delay in milliseconds, when DRS sends it.");
        Field(x => x.ProcessedAt, nullable: true).Description("Time of the latest change applied to the target; null when not applicable (DRS sends \"0\").");
        Field(x => x.RemainingSeconds, nullable: true).Description("Estimated seconds until the full migration completes.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ProgressPhaseGraphType>>>>("phases").Description("Structure, data and index progress (DRS progress_map).").Resolve(c => c.Source.Phases);
        Field(x => x.ErrorCode, nullable: true);
        Field(x => x.ErrorMessage, nullable: true);
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

public sealed class JobDetailGraphType : ObjectGraphType<JobDetail>
{
    public JobDetailGraphType()
    {
        Name = "JobDetail";
        Description = "What batch-detail says about a job, typed.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field(x => x.ParentId, nullable: true).Description("Parent job of a subtask.");
        Field(x => x.Name, nullable: true);
        Field(x => x.Description, nullable: true);
        Field<NonNullGraphType<JobStatusGraphType>>("status").Resolve(c => c.Source.Status);
        Field(x => x.RawStatus, nullable: true);
        Field<NonNullGraphType<TaskModeGraphType>>("taskType").Resolve(c => c.Source.TaskType);
        Field(x => x.RawTaskType, nullable: true);
        Field(x => x.CreatedAt, nullable: true);
        Field(x => x.StartedAt, nullable: true).Description("When the job actually started.");
        Field(x => x.FullTransferCompletedAt, nullable: true);
        Field(x => x.UpdatedAt, nullable: true);
        Field(x => x.Direction, nullable: true).Description("up (to the cloud), down (out of the cloud) or non-dbs.");
        Field<NonNullGraphType<DbUseTypeGraphType>>("useType").Resolve(c => c.Source.UseType);
        Field(x => x.RawUseType, nullable: true);
        Field<NonNullGraphType<NetTypeGraphType>>("netType").Resolve(c => c.Source.NetType);
        Field(x => x.RawNetType, nullable: true);
        Field<DatabaseEndpointGraphType>("source").Resolve(c => c.Source.Source);
        Field<DatabaseEndpointGraphType>("target").Resolve(c => c.Source.Target);
        Field<ReplicationInstanceGraphType>("replicationInstance").Resolve(c => c.Source.ReplicationInstance);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SpeedLimitGraphType>>>>("speedLimits").Resolve(c => c.Source.SpeedLimits);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TagGraphType>>>>("tags").Resolve(c => c.Source.Tags);
        Field(x => x.NodeCount, nullable: true);
        Field(x => x.NeedsRestart, nullable: true);
        Field(x => x.IsTargetReadOnly, nullable: true);
        Field(x => x.ObjectSwitch, nullable: true);
        Field(x => x.ReplaceDefiner, nullable: true);
        Field(x => x.MigrateUser, nullable: true);
        Field(x => x.MultiWrite, nullable: true);
        Field(x => x.SupportsIpV6, nullable: true);
        Field(x => x.ConflictPolicy, nullable: true);
        Field(x => x.FilterDdlPolicy, nullable: true);
        Field(x => x.SchemaType, nullable: true);
        Field(x => x.AvailabilityZone, nullable: true);
        Field(x => x.VpcId, nullable: true);
        Field(x => x.SubnetId, nullable: true);
        Field(x => x.SecurityGroupId, nullable: true);
        Field(x => x.MasterJobId, nullable: true);
        Field(x => x.AlarmNotify, nullable: true);
        Field(x => x.IncrementalStartPosition, nullable: true);
        Field(x => x.FailedReason, nullable: true);
        Field(x => x.ErrorCode, nullable: true);
        Field(x => x.ErrorMessage, nullable: true);
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
