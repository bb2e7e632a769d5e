using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Inputs;

/// <summary>HotChocolate's operation input for a Boolean field.</summary>
public sealed class BooleanOperationFilterInputGraphType : InputObjectGraphType
{
    public BooleanOperationFilterInputGraphType()
    {
        Name = "BooleanOperationFilterInput";
        Field<BooleanGraphType>("eq");
        Field<BooleanGraphType>("neq");
    }
}
