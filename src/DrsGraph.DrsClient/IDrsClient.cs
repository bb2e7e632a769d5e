using DrsGraph.DrsClient.Auth;
using DrsGraph.DrsClient.Wire;

namespace DrsGraph.DrsClient;

/// <summary>Who is asking. Forwarded to DRS on every call; the token is never logged.</summary>
/// <param name="AuthToken">The caller's IAM token, sent as <c>X-Auth-Token</c>.</param>
/// <param name="ProjectId">The DRS project the jobs belong to (path segment).</param>
/// <param name="Language">Sent as <c>X-Language</c> when set (<c>en-us</c> or <c>zh-cn</c>).</param>
public sealed record DrsCaller(string AuthToken, string ProjectId, string? Language = null)
{
    /// <summary>
    /// A credential the gateway holds for this project (service identities): applied to every attempt instead
    /// of sending <see cref="AuthToken"/>. Null (the default): the caller's own token is passed through.
    /// </summary>
    public DrsCredential? Credential { get; init; }

    /// <summary>
    /// Who DRS sees, for partitioning caches and per-caller limits: the held credential's identity, else the token.
    /// </summary>
    public string PartitionKey => Credential is { } credential ? "credential:" + credential.Identity : AuthToken;

    /// <summary>
    /// The DRS region this caller reads (<c>Drs:Regions:&lt;name&gt;</c>, or the default region's name): a tag on the
    /// client's metrics and spans. Default <see cref="DrsRegionOptions.DefaultRegionName"/>.
    /// </summary>
    public string Region { get; init; } = DrsRegionOptions.DefaultRegionName;

    /// <summary>
    /// The region's DRS base URL. Null (the default region): the HTTP client's own base address (<c>Drs:Endpoint</c>
    /// or the embedded emulator). Each distinct endpoint gets its own resilience pipeline and circuit breaker.
    /// </summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Keeps the token out of logs and exception messages.</summary>
    public override string ToString() => $"DrsCaller {{ Region = {Region}, ProjectId = {ProjectId}, Language = {Language}, AuthToken = *** }}";
}

/// <summary>
/// The three DRS v3 batch calls and the job list. Every method takes any number of IDs (duplicates and malformed
/// ones included) and answers every distinct ID exactly once, with a value or an error: it never
/// throws for upstream failures, only for cancellation.
/// </summary>
public interface IDrsClient
{
    /// <summary><c>POST /v3/{project_id}/jobs/batch-status</c>, paged and chunked.</summary>
    Task<DrsBatch<JobStatusWire>> GetStatusesAsync(DrsCaller caller, IEnumerable<string> jobIds, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v3/{project_id}/jobs/batch-progress</c>, chunked (this call has no paging).</summary>
    Task<DrsBatch<JobProgressWire>> GetProgressAsync(DrsCaller caller, IEnumerable<string> jobIds, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v3/{project_id}/jobs/batch-detail</c>, paged and chunked.</summary>
    Task<DrsBatch<JobDetailWire>> GetDetailsAsync(DrsCaller caller, IEnumerable<string> jobIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST /v3/{project_id}/jobs</c>: one page of the project's jobs matching the query. Like the batch
    /// calls it answers a value or an error and throws only for cancellation (and for a page request it
    /// cannot send: a page below 1, a size outside 1..100, no use type).
    /// </summary>
    Task<DrsResult<DrsJobList>> ListJobsAsync(DrsCaller caller, JobListPageRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every job matching the query, newest first: page 1, then the pages <c>total_record</c> says remain
    /// (<c>Drs:ListPageSize</c> jobs each), up to <c>Drs:ListMaxJobs</c> jobs. A job seen on two pages (the
    /// list moved during the walk) is kept once. Any page failing fails the walk.
    /// </summary>
    Task<DrsResult<DrsJobList>> ListAllJobsAsync(DrsCaller caller, JobListQuery query, CancellationToken cancellationToken = default);
}
