using DrsGraph.DrsClient;
using DrsGraph.Gateway.Browsing;
using DrsGraph.Gateway.DataSources;
using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.JobLists;
using DrsGraph.Gateway.Jobs;
using DrsGraph.Gateway.Limits;
using GraphQL;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>A watched page as one poll found it: its jobs in order with their answers, and the connection subscribers are sent.</summary>
public sealed record PageState(IReadOnlyList<string> Ids, IReadOnlyDictionary<string, JobSnapshot> Jobs, int TotalCount, JobConnection Connection);

/// <summary>What one poll of a watched page found.</summary>
/// <param name="ObservedAt">When.</param>
/// <param name="State">The page; null when the poll failed.</param>
/// <param name="Failure">Why the page could not be worked out this time (DRS failed transiently): polling goes on.</param>
/// <param name="Fatal">Why the page can never be worked out as asked (the list outgrew the ceilings, DRS refuses the project): the stream ends.</param>
/// <param name="Unauthorized">DRS refused the token (HTTP 401).</param>
public sealed record PageObservation(DateTime ObservedAt, PageState? State, ExecutionError? Failure = null, ExecutionError? Fatal = null, bool Unauthorized = false);

/// <summary>
/// Works out a watched page as <c>projectJobs</c> does, outside any request: the project's list (through the list
/// cache, what DRS can filter pushed into the call), the endpoints the rest of the filter and the order need for
/// the candidates, then the fields the subscribers selected for the page's jobs only. Job answers come through the
/// data-source chain's refresh path, as <c>jobUpdates</c> polls do, within the poll's own time budget. A page is
/// never guessed: when a candidate's answer failed, the whole poll fails instead of leaving the job out.
/// </summary>
public sealed class JobPageSource(
    IJobListSource lists,
    JobDataSourceChain chain,
    JobBrowser browser,
    IOptions<SubscriptionOptions> options,
    IOptions<DrsClientOptions> drsOptions,
    SubscriptionMetrics metrics,
    TimeProvider time,
    ILogger<RequestBudget> budgetLogger)
{
    // Each poll has a budget of its own; what it cuts short is one line per poll, the list and the fields' batches together.
    public Task<PageObservation> EvaluateAsync(DrsCaller caller, ProjectPage page, JobSelection selection, PageState? previous, CancellationToken cancellationToken) =>
        RequestBudget.RunAsync(options.Value.PollTimeout, time, budgetLogger, budget => EvaluateAsync(caller, page, selection, previous, budget, cancellationToken));

    private async Task<PageObservation> EvaluateAsync(DrsCaller caller, ProjectPage page, JobSelection selection, PageState? previous, RequestBudget budget, CancellationToken cancellationToken)
    {
        metrics.UpstreamCalls(JobEndpoints.List, 1, caller.Region);
        var listed = await JobBrowsingFields.ListCandidatesAsync(new BudgetedJobListSource(lists, budget), caller, page.Filter, cancellationToken);
        var observedAt = time.GetUtcNow().UtcDateTime;
        if (listed.Error is { } listError)
        {
            return listError.Kind == DrsErrorKind.Unauthorized ? new PageObservation(observedAt, null, Unauthorized: true)
                : listError.IsTransient ? new PageObservation(observedAt, null, Failure: JobBrowsingFields.ListError(listError))
                : new PageObservation(observedAt, null, Fatal: JobBrowsingFields.ListError(listError));
        }

        // As in projectJobs: what the list says narrows the candidates before any batch call or the MaxLocalCandidates
        // count; a job it drops cannot match the full filter applied below.
        var candidates = JobBrowser.Narrow(listed.Candidates, page.Filter, fromList: true);
        var needs = JobBrowser.Needs(page.Filter, page.Order, fromList: true);
        if ((listed.Refusal ?? browser.TooManyCandidates(needs, candidates.Count)) is { } refusal)
        {
            return new PageObservation(observedAt, null, Fatal: refusal);
        }

        var source = chain.ForPoll(budget);
        var ids = candidates.Select(c => c.Id).Distinct(StringComparer.Ordinal).ToList();
        var chunk = drsOptions.Value.ChunkSize;
        var statusTask = needs.HasFlag(JobSources.Status) ? PollFetch.FetchAsync(metrics, chunk, JobEndpoints.Status, caller.Region, ids, ct => source.GetStatusesAsync(caller, ids, ct), cancellationToken) : null;
        var progressTask = needs.HasFlag(JobSources.Progress) ? PollFetch.FetchAsync(metrics, chunk, JobEndpoints.Progress, caller.Region, ids, ct => source.GetProgressAsync(caller, ids, ct), cancellationToken) : null;
        var detailTask = needs.HasFlag(JobSources.Detail) ? PollFetch.FetchAsync(metrics, chunk, JobEndpoints.Detail, caller.Region, ids, ct => source.GetDetailsAsync(caller, ids, ct), cancellationToken) : null;
        var statuses = statusTask is null ? null : await statusTask;
        var progress = progressTask is null ? null : await progressTask;
        var details = detailTask is null ? null : await detailTask;

        var facts = new List<JobFacts>(candidates.Count);
        foreach (var candidate in candidates)
        {
            var id = candidate.Id;
            var failure = statuses?[id].Error ?? progress?[id].Error ?? details?[id].Error;
            if (failure is { Kind: DrsErrorKind.Unauthorized })
            {
                return new PageObservation(observedAt, null, Unauthorized: true);
            }

            // DRS lists deleted jobs and then calls them deleted or unknown: no progress or detail, as in projectJobs.
            if (failure is not null && failure.Kind is not (DrsErrorKind.Deleted or DrsErrorKind.NotFound))
            {
                return new PageObservation(observedAt, null, Failure: Errors.GatewayErrors.FromDrs(id, failure));
            }

            facts.Add(candidate with { Status = statuses?[id].Value?.Value, Progress = progress?[id].Value?.Value, Detail = details?[id].Value?.Value });
        }

        var ordered = JobBrowser.Arrange(facts, page.Filter, page.Order).Select(f => f.Id).ToList();
        var (start, end) = page.Request.Range(ordered.Count);
        var pageIds = ordered[start..end];
        var listedStatus = candidates.Where(c => c.Listed?.Status is not null).DistinctBy(c => c.Id).ToDictionary(c => c.Id, c => c.Listed!.Status!, StringComparer.Ordinal);

        // The page's own fields: what filtering already fetched is reused; progress of moving jobs, and the detail
        // of jobs new to the page or whose status changed, are asked for the page's jobs only.
        DrsResult<Fetched<JobStatusInfo>> StatusOf(string id) =>
            statuses?[id] ?? DrsResult<Fetched<JobStatusInfo>>.Success(new Fetched<JobStatusInfo>(listedStatus[id], null));
        var before = previous?.Jobs;
        var progressIds = selection.Progress && progress is null
            ? pageIds.Where(id => before?.GetValueOrDefault(id)?.Progress is null || !JobChanges.IsTerminal(StatusOf(id))).ToList()
            : [];
        var detailIds = selection.Detail && details is null
            ? pageIds.Where(id => before?.GetValueOrDefault(id) is not { Detail: not null } known || JobChanges.StatusChanged(known.Status, StatusOf(id))).ToList()
            : [];
        var pageProgressTask = progressIds.Count == 0 ? null : PollFetch.FetchAsync(metrics, chunk, JobEndpoints.Progress, caller.Region, progressIds, ct => source.GetProgressAsync(caller, progressIds, ct), cancellationToken);
        var pageDetailTask = detailIds.Count == 0 ? null : PollFetch.FetchAsync(metrics, chunk, JobEndpoints.Detail, caller.Region, detailIds, ct => source.GetDetailsAsync(caller, detailIds, ct), cancellationToken);
        var pageProgress = pageProgressTask is null ? null : await pageProgressTask;
        var pageDetails = pageDetailTask is null ? null : await pageDetailTask;

        var jobs = new Dictionary<string, JobSnapshot>(pageIds.Count, StringComparer.Ordinal);
        foreach (var id in pageIds)
        {
            var known = before?.GetValueOrDefault(id);
            jobs[id] = new JobSnapshot(
                StatusOf(id),
                !selection.Progress ? null : progress?[id] ?? pageProgress?.GetValueOrDefault(id) ?? known?.Progress,
                !selection.Detail ? null : details?[id] ?? pageDetails?.GetValueOrDefault(id) ?? known?.Detail);
        }

        var connection = browser.Page(ordered, page.Request, page.Binding, id => new JobRef(id, jobs[id]));
        return new PageObservation(observedAt, new PageState(pageIds, jobs, ordered.Count, connection));
    }
}
