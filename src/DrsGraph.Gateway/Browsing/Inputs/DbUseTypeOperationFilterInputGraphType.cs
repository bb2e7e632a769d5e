using DrsGraph.Gateway.GraphQLSchema;

namespace DrsGraph.Gateway.Browsing.Inputs;

public sealed class DbUseTypeOperationFilterInputGraphType() : EnumOperationFilterInputGraphType<DbUseTypeGraphType>("DbUseType");
