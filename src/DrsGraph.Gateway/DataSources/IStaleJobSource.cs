using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.DataSources;

/// <summary>
/// What a data source with a cache can still answer at once when a budget has run out: the values it holds for the
/// jobs, marked stale when past their TTL (within StaleGrace), as if DRS had failed. Jobs it holds nothing for are
/// left out. A request whose budget ended on a stalled DRS got UPSTREAM_TIMEOUT for fields the cache could answer.
/// </summary>
public interface IStaleJobSource
{
    IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>> HeldStatuses(DrsCaller caller, IReadOnlyList<string> jobIds);

    IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>> HeldProgress(DrsCaller caller, IReadOnlyList<string> jobIds);

    IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>> HeldDetails(DrsCaller caller, IReadOnlyList<string> jobIds);
}
