using DrsGraph.Gateway.GraphQLSchema;

namespace DrsGraph.Gateway.Browsing.Inputs;

public sealed class JobPhaseOperationFilterInputGraphType() : EnumOperationFilterInputGraphType<JobPhaseGraphType>("JobPhase");
