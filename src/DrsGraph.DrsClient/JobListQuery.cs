namespace DrsGraph.DrsClient;

/// <summary>
/// What the list call filters on (docs/drs-api.md#listing-a-projects-jobs); every set member narrows the
/// answer. Values are DRS's own strings: the client passes them on unchanged.
/// </summary>
/// <param name="DbUseType"><c>migration</c>, <c>sync</c> or <c>cloudDataGuard</c>: DRS requires exactly one per call.</param>
/// <param name="Name">A job name, or up to 100 job IDs separated by commas.</param>
/// <param name="Status">One DRS status, e.g. <c>INCRE_TRANSFER_FAILED</c>.</param>
/// <param name="EngineType">e.g. <c>mysql</c>, <c>cloudDataGuard-mysql</c>.</param>
/// <param name="NetType"><c>vpn</c>, <c>vpc</c> or <c>eip</c>.</param>
/// <param name="EnterpriseProjectId">An enterprise project.</param>
/// <param name="Tags">Tag key to value; every pair must be on the job.</param>
public sealed record JobListQuery(
    string DbUseType,
    string? Name = null,
    string? Status = null,
    string? EngineType = null,
    string? NetType = null,
    string? EnterpriseProjectId = null,
    IReadOnlyDictionary<string, string>? Tags = null);

/// <summary>One page of the list call.</summary>
/// <param name="Query">The filters.</param>
/// <param name="CurPage">Page number, from 1.</param>
/// <param name="PerPage">1..100 jobs per page (the client never asks for DRS's "0 = all": it walks pages itself).</param>
public sealed record JobListPageRequest(JobListQuery Query, int CurPage, int PerPage);

/// <summary>What the list call answered.</summary>
/// <param name="Jobs">The jobs in DRS's order (newest first), without duplicates.</param>
/// <param name="TotalRecord">How many jobs match, as DRS counts them (<c>total_record</c>).</param>
/// <param name="IsComplete">
/// For a walk over every page: false when more jobs match than <c>Drs:ListMaxJobs</c> (the walk stopped after page 1, whose
/// jobs <see cref="Jobs"/> holds). A single page is always complete.
/// </param>
/// <param name="UpstreamCalls">HTTP requests it took (one per page; resilience retries not counted).</param>
public sealed record DrsJobList(IReadOnlyList<Wire.JobListItemWire> Jobs, int TotalRecord, bool IsComplete, int UpstreamCalls);
