using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.JobLists;

/// <summary>
/// One job as the list call describes it: less than batch-detail, but enough for a table row and for
/// filtering on status, use type, engine and network. The status here primes the job status cache.
/// </summary>
public sealed record JobListEntry
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public required JobStatusInfo Status { get; init; }
    public DateTime? CreatedAt { get; init; }
    /// <summary>DRS's engine type string (open set, e.g. <c>mysql</c>, <c>cloudDataGuard-mysql</c>).</summary>
    public string? EngineType { get; init; }
    public NetType NetType { get; init; }
    public string? RawNetType { get; init; }
    public DbUseType UseType { get; init; }
    public string? RawUseType { get; init; }
    /// <summary><c>up</c>, <c>down</c> or <c>non-dbs</c> as DRS says it.</summary>
    public string? Direction { get; init; }
    public TaskMode TaskType { get; init; }
    public string? RawTaskType { get; init; }
    /// <summary>The job's subtasks, in the same shape (their own children are always empty).</summary>
    public IReadOnlyList<JobListEntry> Children { get; init; } = [];
}
