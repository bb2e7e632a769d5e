using DrsGraph.Gateway.GraphQLSchema;

namespace DrsGraph.Gateway.Browsing.Inputs;

public sealed class DatabaseTypeOperationFilterInputGraphType() : EnumOperationFilterInputGraphType<DatabaseTypeGraphType>("DatabaseType");
