using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// What the gateway knows about one candidate job while filtering and sorting: the batch answers it fetched
/// (only those the filter and order need, else null) and what the DRS job list said about it, if it came from there.
/// </summary>
public sealed record JobFacts(
    string Id,
    JobStatusInfo? Status = null,
    JobProgress? Progress = null,
    JobDetail? Detail = null,
    ListedJob? Listed = null);
