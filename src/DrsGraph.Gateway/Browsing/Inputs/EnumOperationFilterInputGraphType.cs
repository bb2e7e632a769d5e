using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Inputs;

/// <summary>HotChocolate's operation input for an enum field: <c>eq</c>, <c>neq</c>, <c>in</c>, <c>nin</c>.</summary>
public abstract class EnumOperationFilterInputGraphType<TEnumGraphType> : InputObjectGraphType
    where TEnumGraphType : EnumerationGraphType
{
    protected EnumOperationFilterInputGraphType(string enumName)
    {
        Name = $"{enumName}OperationFilterInput";
        Field<TEnumGraphType>("eq");
        Field<TEnumGraphType>("neq");
        Field<ListGraphType<NonNullGraphType<TEnumGraphType>>>("in");
        Field<ListGraphType<NonNullGraphType<TEnumGraphType>>>("nin");
    }
}
