using GraphQL.Types;

namespace DrsGraph.Gateway.GraphQLSchema;

/// <summary>The DrsGraph schema.</summary>
public sealed class JobSchema : Schema
{
    public JobSchema(IServiceProvider services, JobsQuery query) : base(services)
    {
        Query = query;
        Description = "DrsGraph: DRS replication jobs in GraphQL.";
    }
}
