using DrsGraph.DrsClient;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.DataLoading;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.GraphQLSchema;
using GraphQL;
using GraphQL.DataLoader;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// Applies in the gateway what DRS cannot: fetches, through the operation's DataLoaders (so the cache and
/// batching apply), only the endpoints the filter and the order read, for the candidates only; then
/// filters and sorts. A candidate whose needed answer failed for itself (not found, deleted) is left out, with its error on the field (DRS failing to answer fails the field);
/// except, for a project's list, a job DRS itself listed and then calls deleted or unknown (its list keeps
/// deleted jobs): it has no progress or detail, so conditions on those are false for it, and no error is
/// raised for a job the caller never named.
/// </summary>
public sealed class JobBrowser(IOptions<BrowseOptions> options, BrowseCursors cursors)
{
    public BrowseOptions Options => options.Value;

    public BrowseCursors Cursors => cursors;

    /// <summary>The endpoints filtering and sorting need for each candidate.</summary>
    public static JobSources Needs(JobFilter filter, JobOrder order, bool fromList) =>
        filter.Fields().Concat(order.Keys.Select(k => k.Field)).Aggregate(JobSources.None, (needs, field) => needs | field.NeedsFor(fromList));

    /// <summary>
    /// The candidates that match <paramref name="filter"/>, in <paramref name="order"/> (in the order given when it
    /// has no keys). Keys are registered now and fetched with the rest of the DataLoader phase.
    /// </summary>
    public IDataLoaderResult<IReadOnlyList<JobFacts>> Select(IResolveFieldContext context, IReadOnlyList<JobFacts> candidates, JobFilter filter, JobOrder order, bool fromList)
    {
        var needs = Needs(filter, order, fromList);
        if (SelectNow(candidates, filter, order, fromList) is { } now)
        {
            return DataLoaderResultExtensions.Completed(now);
        }

        // What the list already says narrows the candidates first: a job it rules out is never fetched for, nor
        // counted against MaxLocalCandidates. The full filter is applied again below, so the answer is the same.
        candidates = Narrow(candidates, filter, fromList);
        var ids = candidates.Select(c => c.Id).Distinct(StringComparer.Ordinal).ToList();
        if (TooManyCandidates(needs, ids.Count, fromList) is { } refusal)
        {
            throw refusal;
        }

        var loaders = GatewayUserContext.Of(context).LoadersFor(context);
        var status = needs.HasFlag(JobSources.Status) ? loaders.Status.LoadMany(ids) : null;
        var progress = needs.HasFlag(JobSources.Progress) ? loaders.Progress.LoadMany(ids) : null;
        var detail = needs.HasFlag(JobSources.Detail) ? loaders.Detail.LoadMany(ids) : null;
        var report = ErrorReporter(context);
        return new DeferredResult<IReadOnlyList<JobFacts>>(async cancellationToken =>
        {
            // Every needed endpoint is dispatched before any is awaited: the calls overlap, one DRS latency in all.
            var statusTask = status?.GetResultAsync(cancellationToken);
            var progressTask = progress?.GetResultAsync(cancellationToken);
            var detailTask = detail?.GetResultAsync(cancellationToken);
            var statuses = statusTask is null ? null : await statusTask;
            var progresses = progressTask is null ? null : await progressTask;
            var details = detailTask is null ? null : await detailTask;
            var facts = new Dictionary<string, JobFacts?>(StringComparer.Ordinal);
            (string Id, DrsError Error)? unreadable = null;
            var unreadableCount = 0;
            for (var i = 0; i < ids.Count; i++)
            {
                var id = ids[i];
                var failure = statuses?[i].Error ?? progresses?[i].Error ?? details?[i].Error;
                if (failure is not null && CannotRead(failure))
                {
                    unreadable ??= (id, failure);
                    unreadableCount++;
                    continue;
                }

                if (failure is not null && !(fromList && failure.Kind is DrsErrorKind.Deleted or DrsErrorKind.NotFound))
                {
                    report(GatewayErrors.FromDrs(id, failure));
                    facts[id] = null;
                    continue;
                }

                facts[id] = new JobFacts(id, statuses?[i].Value?.Value, progresses?[i].Value?.Value, details?[i].Value?.Value);
            }

            // DRS failing to answer for a candidate (unavailable, timing out, throttling, refusing the caller or the call) leaves
            // the page unknowable: without it, the filter and the order would answer a smaller, wrong page (an
            // empty one, with a totalCount of 0, when every call failed) that looks like data. So the field fails
            // with one error, as a failed list call does and as projectJobsUpdates reports it. A job's own answer
            // (not found, deleted, an item error) still leaves only that job out.
            if (unreadable is var (firstId, firstError))
            {
                throw Unreadable(firstId, firstError, unreadableCount, ids.Count);
            }

            return Arrange(candidates.Select(c => facts[c.Id] is { } known ? known with { Listed = c.Listed } : null).OfType<JobFacts>(), filter, order);
        });
    }

    /// <summary>
    /// An answer that says nothing about the job: DRS (or the caller's access to it) failed, or DRS refused the whole call
    /// with a 400 no per-job answer explains (it refuses a batch for one ID it does not accept, so the others are unknown).
    /// </summary>
    private static bool CannotRead(DrsError error) =>
        error.IsTransient || error.Kind is DrsErrorKind.Unauthorized or DrsErrorKind.Forbidden or DrsErrorKind.BadRequest;

    private static ExecutionError Unreadable(string id, DrsError error, int count, int candidates)
    {
        var first = GatewayErrors.FromDrs(id, error);
        var failed = GatewayErrors.Copy(first,
            $"{count} of the {candidates} jobs this filter or order needs could not be read from DRS, so the page cannot be worked out; the first: {first.Message}");
        failed.Data["unreadableJobs"] = count;
        return failed;
    }

    /// <summary>
    /// What <see cref="Select"/> would answer, when it needs nothing loaded (no filter or order, or only on what
    /// the IDs or the project's list already say); else null. The caller then answers at once, so the fields
    /// below it register their keys in the same DataLoader phase as the rest of the operation: an
    /// <see cref="IDataLoaderResult"/>, even a completed one, would put them in a batch of their own, later.
    /// </summary>
    public static IReadOnlyList<JobFacts>? SelectNow(IReadOnlyList<JobFacts> candidates, JobFilter filter, JobOrder order, bool fromList) =>
        Needs(filter, order, fromList) != JobSources.None ? null
        : filter.IsEmpty && order.Keys.Count == 0 ? candidates
        : Arrange(candidates, filter, order);

    /// <summary>
    /// The <paramref name="candidates"/> of a project's list that pass the part of <paramref name="filter"/> the
    /// list answers (<see cref="JobFilter.Loosened"/>): only these can match, so only these need batch answers.
    /// For given IDs nothing is known before fetching, and they are returned as they are.
    /// </summary>
    public static IReadOnlyList<JobFacts> Narrow(IReadOnlyList<JobFacts> candidates, JobFilter filter, bool fromList)
    {
        if (!fromList || filter.IsEmpty)
        {
            return candidates;
        }

        // The listed fields read the same before and after the fetch (BrowseField prefers the list's answer, and
        // a listed status is never fetched), so a job this drops could not have matched.
        var listed = filter.Loosened(field => field.NeedsFor(fromList) == JobSources.None);
        return listed.IsEmpty ? candidates : [.. candidates.Where(listed.Matches)];
    }

    /// <summary><c>FILTER_TOO_BROAD</c> when filtering and sorting would need batch answers for more than <c>MaxLocalCandidates</c> jobs, else null.</summary>
    public ExecutionError? TooManyCandidates(JobSources needs, int candidates, bool fromList = true) =>
        needs == JobSources.None || candidates <= Options.MaxLocalCandidates ? null
        : GatewayErrors.Create(GatewayErrorCodes.FilterTooBroad, fromList
            ? $"This filter or order would need batch answers for {candidates} jobs (at most {Options.MaxLocalCandidates}): narrow it with fields DRS filters on (status, name, useType) or page over given IDs."
            : $"This filter or order would need batch answers for {candidates} given jobs (at most {Options.MaxLocalCandidates}, Gateway:Browse:MaxLocalCandidates): give fewer IDs.");

    /// <summary>The <paramref name="facts"/> that match <paramref name="filter"/>, in <paramref name="order"/> (else as given).</summary>
    public static IReadOnlyList<JobFacts> Arrange(IEnumerable<JobFacts> facts, JobFilter filter, JobOrder order)
    {
        var matches = facts.Where(filter.Matches);
        return order.Keys.Count == 0
            ? [.. matches]
            : [.. matches.OrderBy(f => f, Comparer<JobFacts>.Create(order.Compare))];
    }

    /// <summary>Adds errors to the operation on this field's path (the resolver's context may be reused by the time the loaders answer).</summary>
    public static Action<ExecutionError> ErrorReporter(IResolveFieldContext context)
    {
        var errors = context.Errors;
        var path = context.ResponsePath.ToList();
        var (field, document) = (context.FieldAst, context.Document);
        return error =>
        {
            error.AddLocation(field, document);
            error.Path = path;
            lock (errors)
            {
                errors.Add(error);
            }
        };
    }

    /// <summary>
    /// One page of <paramref name="ordered"/>, with cursors bound to <paramref name="binding"/>; its nodes are
    /// <paramref name="node"/>'s (else plain references, whose fields load through the operation's loaders).
    /// </summary>
    public JobConnection Page(IReadOnlyList<string> ordered, PageRequest request, byte[] binding, Func<string, JobRef>? node = null)
    {
        var (start, end) = request.Range(ordered.Count);
        var edges = new List<JobEdge>(end - start);
        for (var i = start; i < end; i++)
        {
            edges.Add(new JobEdge(cursors.Encode(binding, i), node?.Invoke(ordered[i]) ?? new JobRef(ordered[i])));
        }

        var info = new PageInfo(end < ordered.Count, start > 0, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor);
        return new JobConnection(edges, info, ordered.Count);
    }
}
