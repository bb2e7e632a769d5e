
namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// A job field the browsing inputs filter or sort on: its GraphQL name, the batch endpoint it needs when the
/// job list did not already say it, and how to read it from a candidate's <see cref="JobFacts"/>.
/// </summary>
public sealed record BrowseField(string InputName, JobSources Needs, bool Listed, Func<JobFacts, object?> Read)
{
    public static readonly BrowseField Status = new("status", JobSources.Status, true, f => (object?)(f.Status ?? f.Listed?.Status)?.Status);
    public static readonly BrowseField Phase = new("phase", JobSources.Status, true, f => (object?)(f.Status ?? f.Listed?.Status)?.Phase);
    public static readonly BrowseField IsFailed = new("isFailed", JobSources.Status, true, f => (object?)(f.Status ?? f.Listed?.Status)?.IsFailed);
    public static readonly BrowseField IsTerminal = new("isTerminal", JobSources.Status, true, f => (object?)(f.Status ?? f.Listed?.Status)?.IsTerminal);
    public static readonly BrowseField Name = new("name", JobSources.Detail, true, f => f.Listed is { } listed ? listed.Name : f.Detail?.Name);
    public static readonly BrowseField UseType = new("useType", JobSources.Detail, true, f => (object?)f.Listed?.UseType ?? f.Detail?.UseType);
    public static readonly BrowseField EngineType = new("engineType", JobSources.Detail, true, f => f.Listed is { } listed ? listed.EngineType : EngineTypeOf(f.Detail));
    public static readonly BrowseField NetType = new("netType", JobSources.Detail, true, f => f.Listed is { } listed ? listed.NetType : f.Detail?.NetType);
    public static readonly BrowseField Tags = new("tags", JobSources.Detail, false, f => f.Detail?.Tags);
    public static readonly BrowseField DbType = new("dbType", JobSources.Detail, false, f => (object?)f.Detail?.Source?.DbType);
    public static readonly BrowseField TaskMode = new("taskMode", JobSources.Detail, false, f => (object?)f.Detail?.TaskType);
    public static readonly BrowseField CreatedAt = new("createdAt", JobSources.Detail, true, f => Utc(f.Listed is { } listed ? listed.CreatedAt : f.Detail?.CreatedAt));
    public static readonly BrowseField UpdatedAt = new("updatedAt", JobSources.Detail, false, f => Utc(f.Detail?.UpdatedAt));
    public static readonly BrowseField ProgressPercent = new("progressPercent", JobSources.Progress, false, f => f.Progress?.Percent);
    public static readonly BrowseField IncrementalDelaySeconds = new("incrementalDelaySeconds", JobSources.Progress, false, f => f.Progress?.IncrementalDelaySeconds);

    /// <summary>The endpoint this field costs for a job: none when the job-list entry already says it.</summary>
    public JobSources NeedsFor(bool fromList) => fromList && Listed ? JobSources.None : Needs;

    // Batch-detail has no job-level engine type: the list's is the replication instance's engine, prefixed
    // "cloudDataGuard-" for disaster recovery (the SDK's example values), so jobs(ids:) derives it the same way.
    private static string? EngineTypeOf(Jobs.JobDetail? detail) =>
        detail?.ReplicationInstance?.EngineType is not { } engine ? null
        : detail.UseType == Jobs.DbUseType.CloudDataGuard ? "cloudDataGuard-" + engine : engine;

    private static DateTime? Utc(DateTime? value) => value is { } time ? (time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc)) : null;
}
