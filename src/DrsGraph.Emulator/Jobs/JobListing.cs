using DrsGraph.Emulator.Drs;

namespace DrsGraph.Emulator.Jobs;

/// <summary>
/// The list call over the store: the same jobs the batch calls answer. Subtasks (jobs with a
/// <see cref="JobDefinition.ParentId"/> whose parent exists) appear only as their parent's children; filters
/// and paging apply to the top-level jobs, newest first.
/// </summary>
public static class JobListing
{
    /// <summary>The page asked for and the number of top-level jobs matching the filters.</summary>
    public static ListResponse Answer(IReadOnlyList<JobDefinition> projectJobs, ValidListQuery query, DateTimeOffset now)
    {
        var ids = new HashSet<string>(projectJobs.Select(j => j.Id), StringComparer.Ordinal);
        var children = projectJobs
            .Where(j => j.ParentId is { } parent && ids.Contains(parent))
            .GroupBy(j => j.ParentId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(j => j.Anchor).ThenBy(j => j.Id, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

        var matching = projectJobs
            .Where(j => j.ParentId is null || !ids.Contains(j.ParentId))
            .Select(j => (Job: j, Item: ToItem(j, now)))
            .Where(x => Matches(x.Job, x.Item, query))
            .OrderByDescending(x => x.Job.Anchor)
            .ThenBy(x => x.Job.Id, StringComparer.Ordinal)
            .ToList();

        var page = query.PerPage == 0
            ? matching
            : matching.Skip((query.CurPage - 1) * query.PerPage).Take(query.PerPage);
        var jobs = page
            .Select(x => x.Item with { Children = children.TryGetValue(x.Job.Id, out var kids) ? [.. kids.Select(k => ToItem(k, now) with { Children = [] })] : [] })
            .ToList();
        return new ListResponse(matching.Count, jobs);
    }

    /// <summary>
    /// The list's <c>engine_type</c>: as set through the control API, else the replication instance's engine,
    /// prefixed <c>cloudDataGuard-</c> for disaster recovery jobs (the SDK's example values).
    /// </summary>
    public static string? EngineTypeOf(JobDefinition job)
    {
        if (job.EngineType is { } set)
        {
            return set;
        }

        var engine = job.Profile.InstInfo?.EngineType;
        return engine is not null && job.Profile.DbUseType == "cloudDataGuard" ? "cloudDataGuard-" + engine : engine;
    }

    private static ListJobItem ToItem(JobDefinition job, DateTimeOffset now)
    {
        var status = JobLifecycle.ToStatus(job, now).Status;
        return new ListJobItem
        {
            Id = job.Id,
            Name = job.Name,
            Status = status,
            Description = job.Profile.Description ?? string.Empty,
            CreateTime = JobLifecycle.EpochMs(job.Anchor),
            EngineType = EngineTypeOf(job),
            NetType = job.Profile.NetType,
            JobDirection = job.Profile.JobDirection,
            DbUseType = job.Profile.DbUseType,
            TaskType = job.TaskMode,
        };
    }

    private static bool Matches(JobDefinition job, ListJobItem item, ValidListQuery q) =>
        string.Equals(item.DbUseType, q.DbUseType, StringComparison.Ordinal)
        && (q.Ids is null || q.Ids.Contains(job.Id))
        // Emulator choice: a name matches as a case-insensitive substring, like the console's search box.
        && (q.Name is null || job.Name.Contains(q.Name, StringComparison.OrdinalIgnoreCase))
        && (q.Status is null || string.Equals(item.Status, q.Status, StringComparison.Ordinal))
        && (q.EngineType is null || string.Equals(item.EngineType, q.EngineType, StringComparison.OrdinalIgnoreCase))
        && (q.NetType is null || string.Equals(item.NetType, q.NetType, StringComparison.OrdinalIgnoreCase))
        && (q.EnterpriseProjectId is null || string.Equals(job.EnterpriseProjectId, q.EnterpriseProjectId, StringComparison.Ordinal))
        && (q.Tags is null || q.Tags.All(t => job.Profile.Tags?.Any(jt => jt.Key == t.Key && jt.Value == t.Value) == true));
}
