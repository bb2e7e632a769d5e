using DrsGraph.Gateway.GraphQLSchema;

namespace DrsGraph.Gateway.Browsing.Inputs;

public sealed class JobStatusOperationFilterInputGraphType() : EnumOperationFilterInputGraphType<JobStatusGraphType>("JobStatus");
