using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.JobLists;

/// <summary>
/// A project's jobs as DRS's list call (<c>POST /v3/{project_id}/jobs</c>) answers them: the seam the
/// browsing schema builds on. Every filter DRS can apply itself is in <see cref="JobListFilter"/> and is
/// pushed into the call; what it cannot (phase, progress, sort keys other than newest first) the caller
/// applies to the entries, fetching the job fields it needs through the ordinary job loaders.
/// </summary>
/// <remarks>
/// Composed in <see cref="DataSources.JobDataSourceChainExtensions.AddJobDataSourceChain"/>: the list cache
/// (<see cref="CachingJobListSource"/>) in front of DRS, unless the cache is off. Never throws for
/// upstream failures, only for cancellation and for a request it cannot express (see <see cref="JobListPaging"/>).
/// </remarks>
public interface IJobListSource
{
    /// <summary>
    /// One page of the jobs matching <paramref name="filter"/>, newest first (DRS's own order), with the
    /// number of matching jobs; or the error DRS answered.
    /// </summary>
    /// <param name="caller">Whose token and project; answers are cached per caller partition, like job fields.</param>
    /// <param name="filter">What DRS filters on (AND of the set members).</param>
    /// <param name="paging">One DRS page, or every matching job.</param>
    /// <param name="cancellationToken">The operation's token.</param>
    Task<DrsResult<Fetched<JobListPage>>> ListAsync(DrsCaller caller, JobListFilter filter, JobListPaging paging, CancellationToken cancellationToken);
}
