using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Inputs;

/// <summary>HotChocolate's sort direction enum.</summary>
public sealed class SortEnumTypeGraphType : EnumerationGraphType
{
    public SortEnumTypeGraphType()
    {
        Name = "SortEnumType";
        Add("ASC", false, "Ascending; nulls last.");
        Add("DESC", true, "Descending; nulls last.");
    }
}
