using DrsGraph.DrsClient;
using DrsGraph.DrsClient.Wire;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.JobLists;

/// <summary>
/// Straight to DRS's list call: the filter pushed into the body, the answer mapped to the gateway's
/// vocabulary. No freshness: nothing here is cached.
/// </summary>
public sealed class DrsJobListSource(IDrsClient client) : IJobListSource
{
    private static readonly DbUseType[] AllUseTypes = [DbUseType.Migration, DbUseType.Sync, DbUseType.CloudDataGuard];

    public async Task<DrsResult<Fetched<JobListPage>>> ListAsync(DrsCaller caller, JobListFilter filter, JobListPaging paging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(paging);
        if (filter.Ids is { Count: > 0 } ids && (ids.Count > JobListFilter.MaxIds || filter.Name is not null || ids.Any(id => !DrsGraph.DrsClient.DrsClient.IsValidJobId(id))))
        {
            throw new ArgumentException($"Ids must be 1..{JobListFilter.MaxIds} well-formed job IDs, without a Name (DRS takes both in one field).", nameof(filter));
        }

        if (!paging.IsAll)
        {
            if (filter.UseType is not { } useType)
            {
                throw new ArgumentException("DRS lists one use type per call: a single page needs UseType (or ask for JobListPaging.All).", nameof(filter));
            }

            var page = await client.ListJobsAsync(caller, new JobListPageRequest(QueryOf(filter, useType), paging.Page, paging.PageSize), cancellationToken);
            return page.Value is { } list
                ? DrsResult<Fetched<JobListPage>>.Success(new Fetched<JobListPage>(new JobListPage(Map(list.Jobs, useType), list.TotalRecord, list.IsComplete), null))
                : DrsResult<Fetched<JobListPage>>.Failure(page.Error!);
        }

        // Every use type when none is given: one walk each, merged newest first as DRS orders one list.
        var useTypes = filter.UseType is { } one ? [one] : AllUseTypes;
        var walks = await Task.WhenAll(useTypes.Select(u => client.ListAllJobsAsync(caller, QueryOf(filter, u), cancellationToken)));
        if (walks.FirstOrDefault(w => !w.IsSuccess) is { Error: { } error })
        {
            return DrsResult<Fetched<JobListPage>>.Failure(error);
        }

        var entries = walks.SelectMany((w, i) => Map(w.Value!.Jobs, useTypes[i]));
        var repeated = 0;
        if (walks.Length > 1)
        {
            // A job DRS lists under two use types (each walk is distinct on its own) is one job: listed once, counted once.
            var merged = entries.DistinctBy(e => e.Id, StringComparer.Ordinal).ToList();
            repeated = walks.Sum(w => w.Value!.Jobs.Count) - merged.Count;
            entries = merged.OrderByDescending(e => e.CreatedAt ?? DateTime.MinValue).ThenBy(e => e.Id, StringComparer.Ordinal);
        }

        // Added as longs and capped: each walk's total_record is DRS's int, and three near int.MaxValue overflowed the sum.
        var total = (int)Math.Min(int.MaxValue, walks.Sum(w => (long)w.Value!.TotalRecord) - repeated);
        var all = new JobListPage([.. entries], total, walks.All(w => w.Value!.IsComplete));
        return DrsResult<Fetched<JobListPage>>.Success(new Fetched<JobListPage>(all, null));
    }

    private static JobListQuery QueryOf(JobListFilter filter, DbUseType useType) => new(
        JobListWireNames.UseType(useType),
        Name: filter.Ids is { Count: > 0 } ids ? string.Join(',', ids) : filter.Name,
        Status: filter.Status is { } status ? JobListWireNames.Status(status) : null,
        EngineType: filter.EngineType,
        NetType: filter.NetType is { } net ? JobListWireNames.NetType(net) : null,
        EnterpriseProjectId: filter.EnterpriseProjectId,
        Tags: filter.Tags);

    /// <summary>
    /// The walk's jobs; one whose entry omits <c>db_use_type</c> (DRS may omit empty fields) is of the use type the walk
    /// asked for: a filter on useType read the missing field as "none", and missed every such job.
    /// </summary>
    private static List<JobListEntry> Map(IEnumerable<JobListItemWire> jobs, DbUseType listed) =>
        [.. jobs.Select(ToEntry).Select(entry => entry.RawUseType is null ? entry with { UseType = listed } : entry)];

    /// <summary>The list's view of a job. Its status is built as batch-status's would be, so it can stand in for it in the cache (where the list says as much: <see cref="CachingJobListSource"/>).</summary>
    public static JobListEntry ToEntry(JobListItemWire wire) => new()
    {
        Id = wire.Id!,
        Name = wire.Name,
        Description = string.IsNullOrEmpty(wire.Description) ? null : wire.Description,
        Status = JobMapper.ToStatus(new JobStatusWire(wire.Id, wire.Status, null, null)),
        CreatedAt = JobMapper.ParseEpochMillis(wire.CreateTime),
        EngineType = string.IsNullOrEmpty(wire.EngineType) ? null : wire.EngineType,
        NetType = JobMapper.ParseNetType(wire.NetType),
        RawNetType = string.IsNullOrEmpty(wire.NetType) ? null : wire.NetType,
        UseType = JobMapper.ParseUseType(wire.DbUseType),
        RawUseType = string.IsNullOrEmpty(wire.DbUseType) ? null : wire.DbUseType,
        Direction = string.IsNullOrEmpty(wire.JobDirection) ? null : wire.JobDirection,
        TaskType = JobMapper.ParseTaskMode(wire.TaskType),
        RawTaskType = string.IsNullOrEmpty(wire.TaskType) ? null : wire.TaskType,
        Children = wire.Children is { Count: > 0 } children ? [.. children.Where(c => c is { Id: { } id } && DrsGraph.DrsClient.DrsClient.IsValidJobId(id)).Select(ToEntry)] : [],
    };
}
