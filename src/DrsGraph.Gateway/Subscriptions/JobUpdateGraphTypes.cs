using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.Callers;
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

/// <summary>The subscription root: watch jobs through the scope's shared poller (<see cref="JobUpdateHub"/>).</summary>
public sealed class JobsSubscription : ObjectGraphType
{
    public JobsSubscription(IServiceProvider services, IOptions<SubscriptionOptions> options)
    {
        Name = "Subscription";
        var maxIds = options.Value.MaxJobsPerSubscription;

        Field<NonNullGraphType<JobUpdateGraphType>>("jobUpdates")
            .Description($"Watches jobs: first one event per job with its current state (changes [INITIAL]), then one whenever something the selection shows changes; completes when every job is terminal. At most {maxIds} distinct IDs. Malformed IDs, too many IDs and missing credentials are refused before the stream starts.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("ids", "DRS job IDs; duplicates are watched once.")
            .Argument<StringGraphType>(GatewayUserContext.RegionArgument, GraphQLSchema.JobsQuery.RegionDescription)
            // The last event of a stream that DRS ended (a refused token) carries the error: this field fails with it.
            .Resolve(context => context.Source is JobUpdate { End: { } end } ? throw end : context.Source)
            .ResolveStream(context =>
            {
                var user = GatewayUserContext.Of(context);
                var caller = user.CallerFor(context);
                var ids = DistinctValidIds(context.GetArgument<List<string>>("ids"), maxIds);
                // Resolved here, not injected: the schema is built at start-up, before the DRS client (and an
                // embedded emulator) it would pull in are ready.
                var hub = services.GetRequiredService<JobUpdateHub>();
                if (hub.RefusalFor(caller, ids.Count) is { } refusal)
                {
                    throw refusal;
                }

                return hub.Watch(caller, ids, SelectionOf(context));
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
                    $"'{(id.Length <= 64 ? id : id[..64] + "…")}' is not a DRS job ID (expected 8-4-4-4-12 characters, e.g. 9a470239-2308-4bb5-a6bc-1040402fjb21).");
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

        return distinct;
    }

    /// <summary>
    /// Whether the selection under <c>job</c> reaches <c>progress</c> or <c>detail</c> (through fragments too;
    /// @skip/@include are ignored, so a conditional field counts as selected): polls fetch only what someone reads.
    /// </summary>
    private static JobSelection SelectionOf(IResolveFieldContext context)
    {
        var fragments = new Dictionary<string, GraphQLFragmentDefinition>(StringComparer.Ordinal);
        foreach (var fragment in context.Document.Definitions.OfType<GraphQLFragmentDefinition>())
        {
            fragments.TryAdd(fragment.FragmentName.Name.StringValue, fragment);
        }

        bool progress = false, detail = false;
        foreach (var job in FieldsOf(context.FieldAst.SelectionSet, fragments, []).Where(f => f.Name.StringValue == "job"))
        {
            foreach (var field in FieldsOf(job.SelectionSet, fragments, []))
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
        services.TryAddSingleton<JobUpdateHub>();
        return builder;
    }
}
