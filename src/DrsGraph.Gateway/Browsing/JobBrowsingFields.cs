using System.Collections;
using DrsGraph.Gateway.Browsing.Inputs;
using DrsGraph.Gateway.Browsing.Types;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.DataLoading;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.JobLists;
using DrsGraph.Gateway.Jobs;
using DrsGraph.Gateway.Limits;
using DrsGraph.Gateway.ResponseCaching;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// The browsing root fields and arguments, added to the query type by <see cref="JobsQuery"/>:
/// <c>where</c>/<c>order</c> on <c>jobs(ids:)</c>, <c>jobsConnection(ids:)</c> (a page over given IDs) and
/// <c>projectJobs</c> (a page over the caller's project, through DRS's list call).
/// </summary>
public sealed class JobBrowsingFields(JobBrowser browser)
{
    /// <summary>DRS's list call filters one status, use type, name, engine type and network type at a time: what it cannot take is applied here.</summary>
    private static JobListFilter PushDown(JobFilter filter)
    {
        var pushed = JobListFilter.None;
        foreach (var condition in filter.RequiredConditions())
        {
            var single = condition.Operation switch
            {
                "eq" or "some" => condition.Operand,
                "in" when condition.Operand is IEnumerable values && values.Cast<object?>().ToList() is [var only] => only,
                _ => null,
            };
            pushed = (condition.Field.InputName, single) switch
            {
                ("status", JobStatus status) when pushed.Status is null && status != JobStatus.Unknown => pushed with { Status = status },
                ("useType", DbUseType useType) when pushed.UseType is null && useType != DbUseType.Unknown => pushed with { UseType = useType },
                // DRS reads an ID-shaped name as job IDs, which would change the answer: filtered here only.
                ("name", string name) when pushed.Name is null && name.Length > 0 && !JobListFilter.MayReadAsIds(name) => pushed with { Name = name },
                ("engineType", string engine) when pushed.EngineType is null && engine.Length > 0 => pushed with { EngineType = engine },
                ("tags", TagFilter tag) when condition.Operation == "some" && tag.ExactPair() is { } pair
                    && pushed.Tags?.ContainsKey(pair.Key) != true => pushed with { Tags = new Dictionary<string, string>(pushed.Tags ?? new Dictionary<string, string>()) { [pair.Key] = pair.Value } },
                ("netType", NetType net) when pushed.NetType is null && net != NetType.Unknown => pushed with { NetType = net },
                _ => pushed,
            };
        }

        return pushed;
    }

    /// <summary>
    /// <c>projectJobs</c>: the caller's project's jobs as DRS lists them, filtered by what DRS can filter, then by the
    /// rest here (re-applying everything, so DRS's matching can only narrow, never change, the answer), sorted, paged.
    /// </summary>
    public void AddProjectJobs(ObjectGraphType query)
    {
        var options = browser.Options;
        // Nullable, like job: a refused or failed page (a bad cursor, an unknown region, DRS's list failing) is
        // null with its error, instead of nulling every other root field of the operation with it.
        var field = query.Field<JobConnectionGraphType>("projectJobs")
            .Description($"The caller's project's jobs (X-Project-Id, else the default project) as a Relay connection: filtered by `where` (what DRS's job list can filter is sent to DRS), sorted by `order` (default: newest first), {options.DefaultPageSize} per page unless `first`/`last` say otherwise (at most {options.MaxPageSize}). Subtasks are not listed. See the README's cost table.");
        WithPagingArguments(field).Argument<StringGraphType>(GatewayUserContext.RegionArgument, JobsQuery.RegionDescription);
        WithFilterArguments(field)
            // The job budget and the answer-size estimate count the page.
            .WithMetadata(ListSizes.PageSizeKey, options.DefaultPageSize)
            .WithMetadata(ListSizes.MaxPageSizeKey, options.MaxPageSize)
            .WithMetadata(ListSizes.MaxJobIdsKey, options.MaxPageSize)
            .ResolveAsync(async context =>
            {
                var user = GatewayUserContext.Of(context);
                var caller = user.CallerFor(context);
                var page = ProjectPage.Read(context, caller, browser);
                // Bounded by the request's budget, as the job fields are: at the deadline the field is UPSTREAM_TIMEOUT.
                var source = BudgetedJobListSource.ForOperation(context.RequestServices!.GetRequiredService<IJobListSource>(), user.Budget);
                var listed = await ListCandidatesAsync(source, caller, page.Filter, context.CancellationToken);
                if (listed.Error is { } error)
                {
                    throw ListError(error);
                }

                if (listed.Refusal is { } refusal)
                {
                    throw refusal;
                }

                if (JobBrowser.SelectNow(listed.Candidates, page.Filter, page.Order, fromList: true) is { } now)
                {
                    // Filtered and sorted on what the list says (the default order is by creation time): answered
                    // now, so the page's fields batch with the operation's other job fields of this phase.
                    return (object)browser.Page([.. now.Select(m => m.Id)], page.Request, page.Binding, ListedNodes(now, listed.ListedAt));
                }

                return browser.Select(context, listed.Candidates, page.Filter, page.Order, fromList: true)
                    .Then(matches => browser.Page([.. matches.Select(m => m.Id)], page.Request, page.Binding, ListedNodes(matches, listed.ListedAt)));
            });
    }

    /// <summary>A page's nodes, each with the status the list gave it (a job listed without one loads it from batch-status).</summary>
    private static Func<string, JobRef> ListedNodes(IEnumerable<JobFacts> matches, Freshness? listedAt)
    {
        var statuses = new Dictionary<string, Fetched<JobStatusInfo>>(StringComparer.Ordinal);
        foreach (var match in matches)
        {
            if (match.Listed?.Status is { RawStatus.Length: > 0 } status)
            {
                statuses[match.Id] = new Fetched<JobStatusInfo>(status, listedAt);
            }
        }

        return id => new JobRef(id, ListedStatus: statuses.GetValueOrDefault(id));
    }

    /// <summary>
    /// The candidates of a project's list: every job DRS lists for what it can filter of <paramref name="filter"/>,
    /// with what the list says of each; or DRS's error; or <c>FILTER_TOO_BROAD</c> when the list is longer than the
    /// gateway walks (<c>Drs:ListMaxJobs</c>).
    /// </summary>
    public static async Task<ListedCandidates> ListCandidatesAsync(IJobListSource source, DrsCaller caller, JobFilter filter, CancellationToken cancellationToken)
    {
        // The job list is not part of what the answer cache can check later: an answer built on it is never replayed.
        ResponseRecorder.Current?.Spoil();
        var listed = await source.ListAsync(caller, PushDown(filter), JobListPaging.All, cancellationToken);
        if (listed.Error is { } error)
        {
            return new ListedCandidates([], error, null);
        }

        var list = listed.Value!.Value;
        if (!list.IsComplete)
        {
            return new ListedCandidates([], null, GatewayErrors.Create(GatewayErrorCodes.FilterTooBroad,
                $"More jobs match what DRS can filter ({list.TotalCount}) than the gateway lists at once: narrow the filter with status, useType or name."));
        }

        return new ListedCandidates([.. list.Jobs.Select(e => new JobFacts(e.Id, Listed: new ListedJob(e.Id, e.Name, e.Status, e.CreatedAt, e.UseType, e.EngineType, e.NetType)))], null, null,
            listed.Value.Freshness);
    }

    /// <summary>A DRS list error as the field's error: DRS's code and data, without a job ID.</summary>
    public static ExecutionError ListError(DrsError error)
    {
        var perJob = GatewayErrors.FromDrs("-", error);
        var listError = new ExecutionError($"Listing the project's jobs: {error.Message}") { Code = perJob.Code };
        foreach (var key in perJob.Data.Keys.Cast<object>().Where(k => !Equals(k, "jobId")))
        {
            listError.Data[key] = perJob.Data[key];
        }

        return listError;
    }

    /// <summary>Adds <c>where</c> and <c>order</c> to <c>jobs(ids:)</c>.</summary>
    public static FieldBuilder<object?, T> WithFilterArguments<T>(FieldBuilder<object?, T> field) => field
        .Argument<JobFilterInputGraphType>("where", "Keep only the jobs that match (HotChocolate's filter conventions).")
        .Argument<ListGraphType<NonNullGraphType<JobSortInputGraphType>>>("order", "Sort keys, most significant first.");

    /// <summary>
    /// <c>jobs(ids:)</c> with a <c>where</c> or an <c>order</c>: the valid jobs among <paramref name="refs"/> that match,
    /// in that order (else the order given). Without either, the plain list is returned untouched.
    /// </summary>
    public object? FilterJobs(IResolveFieldContext context, IReadOnlyList<JobRef?> refs)
    {
        var (where, order) = (context.GetArgument<object?>("where"), context.GetArgument<object?>("order"));
        // As HotChocolate reads them, an empty filter and an empty order are none: the plain list, nulls and repeats kept.
        if (where is null or IDictionary<string, object?> { Count: 0 } && (order is null || (order is IEnumerable entries && !entries.Cast<object?>().Any())))
        {
            return refs;
        }

        var candidates = refs.OfType<JobRef>().Select(r => new JobFacts(r.Id)).ToList();
        var (filter, sort) = (BrowseArguments.Filter(where), BrowseArguments.Order(context));
        if (JobBrowser.SelectNow(candidates, filter, sort, fromList: false) is { } now)
        {
            return (IReadOnlyList<JobRef>)[.. now.Select(m => new JobRef(m.Id))];
        }

        return browser.Select(context, candidates, filter, sort, fromList: false)
            .Then(matches => (IReadOnlyList<JobRef>)[.. matches.Select(m => new JobRef(m.Id))]);
    }

    public void AddTo(ObjectGraphType query, int maxIds, Func<IResolveFieldContext, IReadOnlyList<JobRef?>> readIds)
    {
        AddProjectJobs(query);
        var options = browser.Options;
        // Nullable for the same reason as projectJobs.
        var field = query.Field<JobConnectionGraphType>("jobsConnection")
            .Description($"A Relay connection over the jobs given by ID (at most {maxIds}), for screens that keep their own ID list: filtered by `where`, sorted by `order` (else in the order given), {options.DefaultPageSize} per page unless `first`/`last` say otherwise (at most {options.MaxPageSize}).")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("ids", "DRS job IDs.")
            .Argument<StringGraphType>(GatewayUserContext.RegionArgument, JobsQuery.RegionDescription);
        WithPagingArguments(field);
        WithFilterArguments(field)
            // The job budget counts the IDs (all are candidates); the result-size estimate the page.
            .WithMetadata(ListSizes.JobIdsArgumentKey, "ids")
            .WithMetadata(ListSizes.MaxJobIdsKey, maxIds)
            .WithMetadata(ListSizes.PageSizeKey, options.DefaultPageSize)
            .WithMetadata(ListSizes.MaxPageSizeKey, options.MaxPageSize)
            .Resolve(context =>
            {
                var caller = GatewayUserContext.Of(context).CallerFor(context);
                var ids = readIds(context);
                var where = context.GetArgument<object?>("where");
                var sort = BrowseArguments.Order(context);
                // Bound to the order as applied (precedence as written), not to the coerced objects, whose fields
                // come in the schema's order: { status, createdAt } and { createdAt, status } are different lists.
                var binding = BrowseCursors.Bind("jobsConnection", CursorScopeOf(caller), where, BrowseArguments.Binding(sort), ids.Select(r => r?.Id ?? ""));
                var page = PageRequest.Read(context, options, browser.Cursors, binding);
                // Each job once: a connection's nodes are distinct (Relay and Apollo caches key edges by node), so an ID
                // given twice is one edge, counted once in totalCount, in its first place.
                var candidates = ids.OfType<JobRef>().DistinctBy(r => r.Id, StringComparer.Ordinal).Select(r => new JobFacts(r.Id)).ToList();
                var filter = BrowseArguments.Filter(where);
                if (JobBrowser.SelectNow(candidates, filter, sort, fromList: false) is { } now)
                {
                    // Answered now: the nodes' fields batch with the operation's other job fields.
                    return (object)browser.Page([.. now.Select(m => m.Id)], page, binding);
                }

                return browser.Select(context, candidates, filter, sort, fromList: false)
                    .Then(matches => browser.Page([.. matches.Select(m => m.Id)], page, binding));
            });
    }

    // A cursor is bound to its region too: a page of one region's project must not continue in another's. The default
    // region's binding is the project alone, as before regions, so its cursors stay valid across the upgrade.
    public static string CursorScopeOf(DrsCaller caller) => caller.Endpoint is null ? caller.ProjectId : caller.Region + "/" + caller.ProjectId;

    public static FieldBuilder<object?, T> WithPagingArguments<T>(FieldBuilder<object?, T> field) => field
        .Argument<IntGraphType>("first", "Returns the first _n_ elements from the list.")
        .Argument<StringGraphType>("after", "Returns the elements in the list that come after the specified cursor.")
        .Argument<IntGraphType>("last", "Returns the last _n_ elements from the list.")
        .Argument<StringGraphType>("before", "Returns the elements in the list that come before the specified cursor.");
}

/// <summary>What <see cref="JobBrowsingFields.ListCandidatesAsync"/> found: the candidates, or why there are none to work with.</summary>
public sealed record ListedCandidates(IReadOnlyList<JobFacts> Candidates, DrsError? Error, ExecutionError? Refusal, Freshness? ListedAt = null);
