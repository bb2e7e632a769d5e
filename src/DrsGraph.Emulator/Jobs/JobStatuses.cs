namespace DrsGraph.Emulator.Jobs;

/// <summary>DRS job statuses (docs/drs-api.md#statuses-and-lifecycle) and task modes.</summary>
public static class JobStatuses
{
    public const string Creating = "CREATING";
    public const string CreateFailed = "CREATE_FAILED";
    public const string Configuration = "CONFIGURATION";
    public const string StartJobing = "STARTJOBING";
    public const string WaitingForStart = "WAITING_FOR_START";
    public const string StartJobFailed = "START_JOB_FAILED";
    public const string Pausing = "PAUSING";
    public const string FullTransferStarted = "FULL_TRANSFER_STARTED";
    public const string FullTransferFailed = "FULL_TRANSFER_FAILED";
    public const string FullTransferComplete = "FULL_TRANSFER_COMPLETE";
    public const string IncreTransferStarted = "INCRE_TRANSFER_STARTED";
    public const string IncreTransferFailed = "INCRE_TRANSFER_FAILED";
    public const string ReleaseResourceStarted = "RELEASE_RESOURCE_STARTED";
    public const string ReleaseResourceFailed = "RELEASE_RESOURCE_FAILED";
    public const string ReleaseResourceComplete = "RELEASE_RESOURCE_COMPLETE";
    public const string Deleted = "DELETED";

    /// <summary>Every status docs/drs-api.md lists; the jobs control API accepts exactly these.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Creating, CreateFailed, Configuration, StartJobing, WaitingForStart, StartJobFailed, Pausing,
        FullTransferStarted, FullTransferFailed, FullTransferComplete, IncreTransferStarted, IncreTransferFailed,
        ReleaseResourceStarted, ReleaseResourceFailed, ReleaseResourceComplete,
        "REBUILD_NODE_STARTED", "REBUILD_NODE_FAILED", "CHANGE_JOB_STARTED", "CHANGE_JOB_FAILED", Deleted,
        "CHILD_TRANSFER_STARTING", "CHILD_TRANSFER_STARTED", "CHILD_TRANSFER_COMPLETE", "CHILD_TRANSFER_FAILED",
        "RELEASE_CHILD_TRANSFER_STARTED", "RELEASE_CHILD_TRANSFER_COMPLETE",
        "NODE_UPGRADE_START", "NODE_UPGRADE_COMPLETE", "NODE_UPGRADE_FAILED",
    };
}

/// <summary>DRS task modes (<c>task_mode</c> in progress, <c>task_type</c> in detail).</summary>
public static class TaskModes
{
    public const string Full = "FULL_TRANS";
    public const string Incremental = "INCR_TRANS";
    public const string FullIncremental = "FULL_INCR_TRANS";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Full, Incremental, FullIncremental };

    /// <summary>
    /// Why a job of <paramref name="taskMode"/> can never be in <paramref name="status"/>, or null when it can: a full-only job
    /// has no incremental phase, an incremental-only job no full phase.
    /// </summary>
    public static string? Refuses(string taskMode, string status) => (taskMode, status) switch
    {
        (Full, JobStatuses.IncreTransferStarted or JobStatuses.IncreTransferFailed) =>
            $"A {Full} job has no incremental phase: it ends at {JobStatuses.FullTransferComplete} and is never in {status}.",
        (Incremental, JobStatuses.FullTransferStarted or JobStatuses.FullTransferComplete or JobStatuses.FullTransferFailed) =>
            $"An {Incremental} job has no full phase: it is never in {status}.",
        _ => null,
    };
}
