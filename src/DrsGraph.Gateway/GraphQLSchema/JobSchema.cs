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
        // __Directive.isRepeatable is in the October 2021 spec; graphql-js asks for it when told the server has it
        // (getIntrospectionQuery({ directiveIsRepeatable: true })), and fails validation without it.
        Features.RepeatableDirectives = true;
    }
}
