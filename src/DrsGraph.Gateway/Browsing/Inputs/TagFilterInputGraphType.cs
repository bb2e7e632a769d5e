using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Inputs;

/// <summary>HotChocolate's filter input for one <c>Tag</c> of a job's tag list: key and value as strings, combined with <c>and</c>/<c>or</c>.</summary>
public sealed class TagFilterInputGraphType : InputObjectGraphType
{
    public TagFilterInputGraphType()
    {
        Name = "TagFilterInput";
        Field<ListGraphType<NonNullGraphType<TagFilterInputGraphType>>>("and");
        Field<ListGraphType<NonNullGraphType<TagFilterInputGraphType>>>("or");
        Field<StringOperationFilterInputGraphType>("key");
        Field<StringOperationFilterInputGraphType>("value");
    }
}
