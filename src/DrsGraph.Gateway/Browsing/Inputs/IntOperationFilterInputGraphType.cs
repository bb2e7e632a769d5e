using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Inputs;

public sealed class IntOperationFilterInputGraphType() : ComparableOperationFilterInputGraphType<IntGraphType>("IntOperationFilterInput");
