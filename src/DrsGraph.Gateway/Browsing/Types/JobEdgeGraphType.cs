using DrsGraph.Gateway.GraphQLSchema;
using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Types;

public sealed class JobEdgeGraphType : ObjectGraphType<JobEdge>
{
    public JobEdgeGraphType()
    {
        Name = "JobEdge";
        Description = "An edge in a connection.";
        Field<NonNullGraphType<StringGraphType>>("cursor").Description("A cursor for use in pagination.").Resolve(c => c.Source.Cursor);
        Field<NonNullGraphType<JobGraphType>>("node").Description("The item at the end of the edge.").Resolve(c => c.Source.Node);
    }
}
