using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Inputs;

/// <summary>HotChocolate's sort input for jobs: one field per entry of <c>order</c>, earlier entries first.</summary>
public sealed class JobSortInputGraphType : InputObjectGraphType
{
    public JobSortInputGraphType()
    {
        Name = "JobSortInput";
        Description = "One sort key per entry (`order: [{ status: ASC }, { createdAt: DESC }]`); ties end on the job ID. Nulls sort last.";
        Field<SortEnumTypeGraphType>("createdAt");
        Field<SortEnumTypeGraphType>("updatedAt");
        Field<SortEnumTypeGraphType>("name");
        Field<SortEnumTypeGraphType>("status").Description("In lifecycle order, as the JobStatus enum lists its values.");
        Field<SortEnumTypeGraphType>("progressPercent");
        Field<SortEnumTypeGraphType>("incrementalDelaySeconds");
    }
}
