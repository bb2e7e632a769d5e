using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Inputs;

public sealed class FloatOperationFilterInputGraphType() : ComparableOperationFilterInputGraphType<FloatGraphType>("FloatOperationFilterInput");
