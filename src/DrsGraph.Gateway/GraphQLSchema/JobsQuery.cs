using DrsGraph.Gateway.Browsing;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Errors;
using DrsGraph.Gateway.Limits;
using DrsGraph.Gateway.Observability;
using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.GraphQLSchema;

/// <summary>The root query: look jobs up by ID. Nothing is fetched here; the Job fields load in batches.</summary>
public sealed class JobsQuery : ObjectGraphType
{
    public JobsQuery(IOptions<QueryLimitOptions> options, JobBrowsingFields browsing)
    {
        Name = "Query";
        var maxIds = options.Value.MaxIdsPerField;

        Field<JobGraphType>("job")
            .Description("One job by ID. A malformed ID is an INVALID_JOB_ID error; an unknown one fails the fields that need DRS.")
            .Argument<NonNullGraphType<IdGraphType>>("id", "A DRS job ID, e.g. 9a470239-2308-4bb5-a6bc-1040402fjb21.")
            .Argument<StringGraphType>(GatewayUserContext.RegionArgument, RegionDescription)
            // The job budget and the rate limiter count the job this field names.
            .WithMetadata(ListSizes.JobIdsArgumentKey, "id")
            .Resolve(context =>
            {
                GatewayUserContext.Of(context).CallerFor(context);
                var id = context.GetArgument<string>("id");
                return IsJobId(id) ? new JobRef(id) : throw InvalidId(id);
            });

        var jobs = Field<NonNullGraphType<ListGraphType<JobGraphType>>>("jobs")
            .Description($"Jobs by ID, in the order given; duplicates allowed; at most {maxIds} IDs. A malformed ID gives null at its position with an INVALID_JOB_ID error. With `where` or `order` (see projectJobs), only the matching valid jobs, in that order.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("ids", "DRS job IDs.")
            .Argument<StringGraphType>(GatewayUserContext.RegionArgument, RegionDescription);
        // Browsing: the same filter and order as the connections; without them nothing changes.
        JobBrowsingFields.WithFilterArguments(jobs)
            // The result-size estimate multiplies what is below by the length of the ids list.
            .WithMetadata(ListSizes.ArgumentKey, "ids")
            // The job budget and the rate limiter count the jobs the ids list names.
            .WithMetadata(ListSizes.JobIdsArgumentKey, "ids")
            .WithMetadata(ListSizes.MaxJobIdsKey, maxIds)
            .Resolve(context =>
            {
                GatewayUserContext.Of(context).CallerFor(context);
                // With where or order the answer holds only the matching valid jobs, in another order: a malformed
                // ID has no position in it, so its error is on the field.
                var positional = context.GetArgument<object?>("where") is null && context.GetArgument<object?>("order") is null;
                return browsing.FilterJobs(context, ReadIds(context, maxIds, positional));
            });

        // A connection's nodes are not its ids list: a malformed ID's error is on the field.
        browsing.AddTo(this, maxIds, context => ReadIds(context, maxIds, positional: false));
    }

    /// <summary>The <c>region</c> argument of every root field that reads DRS.</summary>
    public const string RegionDescription = "The DRS region to read (a name from Drs:Regions, or the default region's); default: the X-Drs-Region header's, else the default region. An unknown name is an UNKNOWN_REGION error on this field.";

    /// <summary>
    /// The <c>ids</c> argument as job references: null (and an INVALID_JOB_ID error) at a malformed ID's position.
    /// The error's path is that position in the answer when <paramref name="positional"/> (the field answers the
    /// list as given), else the field itself (the ID is absent from the answer): a path must lead to the error's null.
    /// </summary>
    private static JobRef?[] ReadIds(IResolveFieldContext context, int maxIds, bool positional)
    {
        var ids = context.GetArgument<List<string>>("ids");
        if (ids.Count > maxIds)
        {
            throw new ExecutionError($"At most {maxIds} job IDs per {context.FieldDefinition.Name} field; {ids.Count} were given.") { Code = GatewayErrorCodes.TooManyJobIds };
        }

        var jobs = new JobRef?[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            if (IsJobId(ids[i]))
            {
                jobs[i] = new JobRef(ids[i]);
            }
            else
            {
                // One bad ID must not fail the list: null at its position, the error on its path.
                var error = InvalidId(ids[i]);
                error.AddLocation(context.FieldAst, context.Document);
                error.Path = positional ? context.ResponsePath.Append(i) : context.ResponsePath;
                context.Errors.Add(error);
            }
        }

        return jobs;
    }

    /// <summary>The client's own check (docs/drs-api.md#job-ids), so the gateway and the client never disagree.</summary>
    private static bool IsJobId(string? id) => id is not null && DrsClient.DrsClient.IsValidJobId(id);

    private static ExecutionError InvalidId(string id) =>
        new($"'{CallerText.Excerpt(id, 64)}' is not a DRS job ID (expected 8-4-4-4-12 lower-case letters and digits, e.g. 9a470239-2308-4bb5-a6bc-1040402fjb21).") { Code = GatewayErrorCodes.InvalidJobId };
}
