using DrsGraph.Gateway.GraphQLSchema;
using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Types;

/// <summary>A Relay connection of jobs, shaped as HotChocolate shapes one (<c>edges</c>, <c>nodes</c>, <c>pageInfo</c>, <c>totalCount</c>).</summary>
public sealed class JobConnectionGraphType : ObjectGraphType<JobConnection>
{
    public JobConnectionGraphType()
    {
        Name = "JobConnection";
        Description = "A page of jobs. The nodes are the same Job type as everywhere: their fields load through the same batch calls and cache.";
        Field<NonNullGraphType<PageInfoGraphType>>("pageInfo").Description("Information to aid in pagination.").Resolve(c => c.Source.PageInfo);
        Field<ListGraphType<NonNullGraphType<JobEdgeGraphType>>>("edges").Description("A list of edges.").Resolve(c => c.Source.Edges);
        Field<ListGraphType<NonNullGraphType<JobGraphType>>>("nodes").Description("A flattened list of the nodes.").Resolve(c => c.Source.Nodes);
        Field<NonNullGraphType<IntGraphType>>("totalCount").Description("Jobs matching the filter, on every page together.").Resolve(c => c.Source.TotalCount);
    }
}
