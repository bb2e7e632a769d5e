using DrsGraph.Gateway.Subscriptions;
using GraphQL.Types;

namespace DrsGraph.Gateway.GraphQLSchema;

/// <summary>The DrsGraph schema.</summary>
public sealed class JobSchema : Schema
{
    public JobSchema(IServiceProvider services, JobsQuery query, JobsSubscription subscription) : base(services)
    {
        Query = query;
        Subscription = subscription;
        Description = "DrsGraph: DRS replication jobs in GraphQL.";
    }
}
