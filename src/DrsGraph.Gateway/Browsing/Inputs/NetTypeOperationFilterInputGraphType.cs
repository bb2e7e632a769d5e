using DrsGraph.Gateway.GraphQLSchema;

namespace DrsGraph.Gateway.Browsing.Inputs;

public sealed class NetTypeOperationFilterInputGraphType() : EnumOperationFilterInputGraphType<NetTypeGraphType>("NetType");
