using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Browsing;
using DrsGraph.Gateway.Browsing.Types;
using DrsGraph.Gateway.Observability;
using GraphQL;
using GraphQL.Types;
using GraphQLParser.AST;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Subscriptions;

public sealed class JobChangeGraphType : EnumerationGraphType<JobChange>
{
    public JobChangeGraphType()
    {
        Name = "JobChange";
        Description = "What a jobUpdates event reports.";
        Values["INITIAL"]!.Description = "The first event of each job: its state when the subscription started.";
        Values["STATUS"]!.Description = "The status fields changed: the status, its error, or whether it is a stale fallback (statusFreshness.stale).";
        Values["PROGRESS"]!.Description = "The progress changed while the job moves; only when `progress` is selected.";
        Values["DETAIL"]!.Description = "The detail was fetched again because the status changed; only when `detail` is selected.";
    }
}

public sealed class JobUpdateGraphType : ObjectGraphType<JobUpdate>
{
    public JobUpdateGraphType()
    {
        Name = "JobUpdate";
        Description = "One change of one watched job.";
        Field<NonNullGraphType<JobGraphType>>("job").Description("The job as the gateway's poll found it: the same fields as in queries, with no extra DRS call per subscriber. A DRS error of this job (not found, deleted) is an error on the field that needed it.")
            .Resolve(c => c.Source.Job);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<JobChangeGraphType>>>>("changes").Description("What changed in this event.")
            .Resolve(c => c.Source.Changes);
        Field<NonNullGraphType<DateTimeGraphType>>("observedAt").Description("When the gateway saw it: the time of the poll that found it (UTC).")
            .Resolve(c => c.Source.ObservedAt);
    }
}

public sealed class JobPageChangeGraphType : EnumerationGraphType<JobPageChange>
{
    public JobPageChangeGraphType()
    {
        Name = "JobPageChange";
        Description = "What a projectJobsUpdates event reports, compared with the last page this subscription was sent.";
        Values["INITIAL"]!.Description = "The first event: the page when the subscription started.";
        Values["MEMBERSHIP"]!.Description = "Other jobs are on the page: some left it, some joined it.";
        Values["ORDER"]!.Description = "The same jobs are on the page in another order.";
        Values["TOTAL_COUNT"]!.Description = "Another number of jobs matches the filter (totalCount, and so pageInfo, changed).";
        Values["STATUS"]!.Description = "The status of a job that stayed on the page changed.";
        Values["PROGRESS"]!.Description = "The progress of a job that stayed on the page changed; only when `progress` is selected.";
        Values["DETAIL"]!.Description = "The detail of a job that stayed on the page changed; only when `detail` is selected.";
        Values["FAILED"]!.Description = "DRS failed and the page could not be worked out: `page` is null, with the error on it. Polling goes on; sent once per failure.";
        Values["RECOVERED"]!.Description = "The page could be worked out again after FAILED.";
    }
}

public sealed class JobPageUpdateGraphType : ObjectGraphType<JobPageUpdate>
{
    public JobPageUpdateGraphType()
    {
        Name = "JobPageUpdate";
        Description = "One change of a watched page of jobs.";
        Field<JobConnectionGraphType>("page").Description("The page as the gateway's poll found it, as `projectJobs` with the same arguments would answer it; its nodes resolve from the poll, with no DRS call per subscriber. Its cursors work in `projectJobs` too. Null, with the error on this field, when the poll failed (changes [FAILED]).")
            .Resolve(c => c.Source.Failure is { } failure ? throw GatewayErrors.Copy(failure) : c.Source.Page);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<JobPageChangeGraphType>>>>("changes").Description("What changed since the last event of this subscription.")
            .Resolve(c => c.Source.Changes);
        Field<NonNullGraphType<DateTimeGraphType>>("observedAt").Description("When the gateway saw it: the time of the poll (UTC).")
            .Resolve(c => c.Source.ObservedAt);
    }
}

/// <summary>The subscription root: watch jobs or a page of them through shared pollers (<see cref="JobUpdateHub"/>).</summary>
public sealed class JobsSubscription : ObjectGraphType
{
    public JobsSubscription(IServiceProvider services, IOptions<SubscriptionOptions> options, IOptions<BrowseOptions> browseOptions)
    {
        Name = "Subscription";
        var maxIds = options.Value.MaxJobsPerSubscription;

        Field<NonNullGraphType<JobUpdateGraphType>>("jobUpdates")
            .Description($"Watches jobs: first one event per job with its current state (changes [INITIAL]), then one whenever something the selection shows changes; completes when every job is terminal. At least one and at most {maxIds} distinct IDs. Malformed IDs, no or too many IDs and missing credentials are refused before the stream starts.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("ids", "DRS job IDs; duplicates are watched once.")
            .Argument<StringGraphType>(GatewayUserContext.RegionArgument, GraphQLSchema.JobsQuery.RegionDescription)
            // The last event of a stream that DRS ended (a refused token) carries the error: this field fails with it.
            .Resolve(context => context.Source is JobUpdate { End: { } end } ? throw GatewayErrors.Copy(end) : context.Source)
            .ResolveStream(context =>
            {
                var user = GatewayUserContext.Of(context);
                var caller = user.CallerFor(context);
                var ids = DistinctValidIds(context.GetArgument<List<string>>("ids"), maxIds);
                // Resolved here, not injected: the schema is built at start-up, before the DRS client (and an
                // embedded emulator) it would pull in are ready.
                var hub = services.GetRequiredService<JobUpdateHub>();
                if (hub.RefusalFor(caller, WatchDemand.Jobs(ids)) is { } refusal)
                {
                    throw refusal;
                }

                return hub.Watch(caller, ids, SelectionOf(context, ["job"]), user.ValidUntilFor(context));
            });

        AddProjectJobsUpdates(services, browseOptions.Value);
    }

    /// <summary>
    /// <c>projectJobsUpdates</c>: a page of <c>projectJobs</c>, watched. Arguments, errors and cursors are those of
    /// <c>projectJobs</c>; the page is worked out again at each tick of its shared poller and sent when it changed.
    /// </summary>
    private void AddProjectJobsUpdates(IServiceProvider services, BrowseOptions browse)
    {
        var field = Field<NonNullGraphType<JobPageUpdateGraphType>>("projectJobsUpdates")
            .Description($"Watches a page of `projectJobs` (same arguments, same page): first the page (changes [INITIAL]), then the page again whenever what the selection shows changes: the jobs on it, their order, `totalCount`, or a selected field of a job on it. Never completes on its own. The page counts as its size (`first`/`last`, default {browse.DefaultPageSize}) against the jobs a caller may watch. The page's cursors work in `projectJobs`, and `after`/`before` take its cursors.");
        JobBrowsingFields.WithPagingArguments(field).Argument<StringGraphType>(GatewayUserContext.RegionArgument, GraphQLSchema.JobsQuery.RegionDescription);
        JobBrowsingFields.WithFilterArguments(field)
            .WithMetadata(Limits.ListSizes.PageSizeKey, browse.DefaultPageSize)
            .WithMetadata(Limits.ListSizes.MaxJobIdsKey, browse.MaxPageSize)
            .Resolve(context => context.Source is JobPageUpdate { End: { } end } ? throw GatewayErrors.Copy(end) : context.Source)
            .ResolveStream(context =>
            {
                var user = GatewayUserContext.Of(context);
                var caller = user.CallerFor(context);
                var page = ProjectPage.Read(context, caller, services.GetRequiredService<JobBrowser>());
                var hub = services.GetRequiredService<JobUpdateHub>();
                if (hub.RefusalFor(caller, WatchDemand.Page(page.Request.Size)) is { } refusal)
                {
                    throw refusal;
                }

                return hub.WatchPage(caller, page, SelectionOf(context, ["page", "nodes"], ["page", "edges", "node"]), user.ValidUntilFor(context));
            });
    }

    private static List<string> DistinctValidIds(List<string> ids, int maxIds)
    {
        var distinct = new List<string>(ids.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (!DrsClient.DrsClient.IsValidJobId(id))
            {
                // One bad ID refuses the whole subscription: there is no position to put a null at.
                throw GatewayErrors.Create(GatewayErrorCodes.InvalidJobId,
                    $"'{CallerText.Excerpt(id, 64)}' is not a DRS job ID (expected 8-4-4-4-12 lower-case letters and digits, e.g. 9a470239-2308-4bb5-a6bc-1040402fjb21).");
            }

            if (seen.Add(id))
            {
                distinct.Add(id);
            }
        }

        if (distinct.Count > maxIds)
        {
            throw GatewayErrors.Create(GatewayErrorCodes.TooManyJobIds,
                $"At most {maxIds} job IDs per jobUpdates subscription (Gateway:Subscriptions:MaxJobsPerSubscription); {distinct.Count} were given.");
        }

        if (distinct.Count == 0)
        {
            // Watching nothing would complete the stream at once with no event: a client's empty list (a variable it
            // forgot to fill) looked like jobs that had all ended.
            throw GatewayErrors.Create(GatewayErrorCodes.NoJobIds, "jobUpdates needs at least one job ID: with none it would watch nothing and complete at once.");
        }

        return distinct;
    }

    /// <summary>
    /// Whether the job fields at any of <paramref name="paths"/> below the root field select <c>progress</c> or
    /// <c>detail</c> (through fragments too; @skip/@include are ignored, so a conditional field counts as selected):
    /// polls fetch only what someone reads.
    /// </summary>
    private static JobSelection SelectionOf(IResolveFieldContext context, params string[][] paths)
    {
        var fragments = new Dictionary<string, GraphQLFragmentDefinition>(StringComparer.Ordinal);
        foreach (var fragment in context.Document.Definitions.OfType<GraphQLFragmentDefinition>())
        {
            fragments.TryAdd(fragment.FragmentName.Name.StringValue, fragment);
        }

        bool progress = false, detail = false;
        foreach (var path in paths)
        {
            IEnumerable<GraphQLField> level = [context.FieldAst];
            foreach (var name in path)
            {
                level = level.SelectMany(f => FieldsOf(f.SelectionSet, fragments, [])).Where(f => f.Name.StringValue == name).ToList();
            }

            foreach (var field in level.SelectMany(job => FieldsOf(job.SelectionSet, fragments, [])))
            {
                progress |= field.Name.StringValue == "progress";
                detail |= field.Name.StringValue == "detail";
            }
        }

        return new JobSelection(progress, detail);
    }

    private static IEnumerable<GraphQLField> FieldsOf(GraphQLSelectionSet? set, Dictionary<string, GraphQLFragmentDefinition> fragments, HashSet<string> visited)
    {
        foreach (var selection in set?.Selections ?? [])
        {
            switch (selection)
            {
                case GraphQLField field:
                    yield return field;
                    break;
                case GraphQLInlineFragment inline:
                    foreach (var inner in FieldsOf(inline.SelectionSet, fragments, visited))
                    {
                        yield return inner;
                    }

                    break;
                case GraphQLFragmentSpread spread when visited.Add(spread.FragmentName.Name.StringValue)
                    && fragments.TryGetValue(spread.FragmentName.Name.StringValue, out var definition):
                    foreach (var inner in FieldsOf(definition.SelectionSet, fragments, visited))
                    {
                        yield return inner;
                    }

                    break;
            }
        }
    }
}

public static class SubscriptionExtensions
{
    /// <summary>
    /// The <c>jobUpdates</c> subscription's execution side: the hub of subscriptions, their shared pollers and
    /// where polls get jobs (the data-source chain's refresh path). Transports (WebSocket, SSE) execute
    /// subscription operations with the schema's executer and read <c>ExecutionResult.Streams</c>.
    /// </summary>
    public static WebApplicationBuilder AddJobSubscriptions(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SubscriptionOptions>().BindConfiguration(SubscriptionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<SubscriptionMetrics>();
        // Poll scopes are derived like cache keys (endpoint, project, keyed token hash, language), cache or not.
        services.TryAddSingleton<Caching.JobCacheKeys>();
        var redis = builder.Configuration.GetConnectionString(Caching.JobCacheExtensions.RedisConnectionName);
        if (!string.IsNullOrWhiteSpace(redis))
        {
            // With Redis, one replica polls each scope and publishes to the others (a lease per scope).
            services.TryAddSingleton<DrsScopePollSource>();
            services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<SharedScopeFeeds>(
                sp, redis, new Lazy<DrsScopePollSource>(sp.GetRequiredService<DrsScopePollSource>)));
            services.TryAddSingleton<IScopePollSource>(sp => sp.GetRequiredService<SharedScopeFeeds>());
            services.AddHostedService(sp => sp.GetRequiredService<SharedScopeFeeds>());
        }

        services.TryAddSingleton<IScopePollSource, DrsScopePollSource>();
        services.TryAddSingleton<JobPageSource>();
        services.TryAddSingleton<JobUpdateHub>();
        // Pollers compare what DRS returned; each subscriber is then sent only what its own selection shows changed.
        services.AddGraphQL(graphQL => graphQL.ConfigureExecution(async (options, next) => ShownChanges.Filter(await next(options))));
        return builder;
    }
}
