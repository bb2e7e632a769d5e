using DrsGraph.Gateway.GraphQLSchema;

namespace DrsGraph.Gateway.Browsing.Inputs;

public sealed class TaskModeOperationFilterInputGraphType() : EnumOperationFilterInputGraphType<TaskModeGraphType>("TaskMode");
