using DrsGraph.Gateway.Browsing.Inputs;
using DrsGraph.Gateway.Browsing.Types;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.DataLoading;
using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.Limits;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// The browsing root fields and arguments (issue 16), added to the query type by <see cref="JobsQuery"/>:
/// <c>where</c>/<c>order</c> on <c>jobs(ids:)</c> and <c>jobsConnection(ids:)</c>, a page over given IDs.
/// </summary>
public sealed class JobBrowsingFields(JobBrowser browser)
{
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
        if (where is null && order is null)
        {
            return refs;
        }

        var candidates = refs.OfType<JobRef>().Select(r => new JobFacts(r.Id)).ToList();
        return browser.Select(context, candidates, BrowseArguments.Filter(where), BrowseArguments.Order(order), fromList: false)
            .Then(matches => (IReadOnlyList<JobRef>)[.. matches.Select(m => new JobRef(m.Id))]);
    }

    public void AddTo(ObjectGraphType query, int maxIds, Func<IResolveFieldContext, IReadOnlyList<JobRef?>> readIds)
    {
        var options = browser.Options;
        var field = query.Field<NonNullGraphType<JobConnectionGraphType>>("jobsConnection")
            .Description($"A Relay connection over the jobs given by ID (at most {maxIds}), for screens that keep their own ID list: filtered by `where`, sorted by `order` (else in the order given), {options.DefaultPageSize} per page unless `first`/`last` say otherwise (at most {options.MaxPageSize}).")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("ids", "DRS job IDs.");
        WithPagingArguments(field);
        WithFilterArguments(field)
            // The job budget counts the IDs (all are candidates); the result-size estimate the page.
            .WithMetadata(ListSizes.JobIdsArgumentKey, "ids")
            .WithMetadata(ListSizes.PageSizeKey, options.DefaultPageSize)
            .Resolve(context =>
            {
                var caller = GatewayUserContext.Of(context);
                caller.ThrowIfNoCaller();
                var ids = readIds(context);
                var (where, order) = (context.GetArgument<object?>("where"), context.GetArgument<object?>("order"));
                var binding = BrowseCursors.Bind("jobsConnection", caller.Caller.Caller!.ProjectId, where, order, ids.Select(r => r?.Id ?? ""));
                var page = PageRequest.Read(context, options, browser.Cursors, binding);
                var candidates = ids.OfType<JobRef>().Select(r => new JobFacts(r.Id)).ToList();
                return browser.Select(context, candidates, BrowseArguments.Filter(where), BrowseArguments.Order(order), fromList: false)
                    .Then(matches => browser.Page([.. matches.Select(m => m.Id)], page, binding));
            });
    }

    public static FieldBuilder<object?, T> WithPagingArguments<T>(FieldBuilder<object?, T> field) => field
        .Argument<IntGraphType>("first", "Returns the first _n_ elements from the list.")
        .Argument<StringGraphType>("after", "Returns the elements in the list that come after the specified cursor.")
        .Argument<IntGraphType>("last", "Returns the last _n_ elements from the list.")
        .Argument<StringGraphType>("before", "Returns the elements in the list that come before the specified cursor.");
}
