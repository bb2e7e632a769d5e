using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Inputs;

/// <summary>
/// HotChocolate's list filter over the tags (its generated name, so a frontend's queries carry over): <c>some</c>,
/// <c>all</c>, <c>none</c> test the tags against a <c>TagFilterInput</c>; <c>any</c> whether there are tags at all.
/// </summary>
public sealed class TagListFilterInputGraphType : InputObjectGraphType
{
    public TagListFilterInputGraphType()
    {
        Name = "ListFilterInputTypeOfTagFilterInput";
        Field<TagFilterInputGraphType>("all");
        Field<TagFilterInputGraphType>("none");
        Field<TagFilterInputGraphType>("some");
        Field<BooleanGraphType>("any");
    }
}
