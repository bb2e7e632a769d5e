using GraphQL.Types;

namespace DrsGraph.Gateway.Browsing.Inputs;

/// <summary>HotChocolate's filter input for jobs: the fields of one object all hold, <c>and</c>/<c>or</c> combine filters.</summary>
public sealed class JobFilterInputGraphType : InputObjectGraphType
{
    public JobFilterInputGraphType()
    {
        Name = "JobFilterInput";
        Description = "Which jobs to keep. Fields DRS's job list can filter on are sent to DRS; the rest are applied by the gateway, which then fetches only the batch answers they read (see the README's cost table).";
        Field<ListGraphType<NonNullGraphType<JobFilterInputGraphType>>>("and");
        Field<ListGraphType<NonNullGraphType<JobFilterInputGraphType>>>("or");
        Field<JobStatusOperationFilterInputGraphType>("status").Description("Job.status (batch-status; the job list says it too).");
        Field<JobPhaseOperationFilterInputGraphType>("phase").Description("Job.phase (batch-status).");
        Field<BooleanOperationFilterInputGraphType>("isFailed").Description("Job.isFailed (batch-status).");
        Field<BooleanOperationFilterInputGraphType>("isTerminal").Description("Job.isTerminal (batch-status).");
        Field<StringOperationFilterInputGraphType>("name").Description("detail.name (the job list says it).");
        Field<DbUseTypeOperationFilterInputGraphType>("useType").Description("detail.useType (the job list says it).");
        Field<StringOperationFilterInputGraphType>("engineType").Description("DRS's job engine type as the job list says it, e.g. `mysql`, `cloudDataGuard-mysql` (an open set; over given IDs, derived from detail.replicationInstance.engineType).");
        Field<NetTypeOperationFilterInputGraphType>("netType").Description("detail.netType (the job list says it).");
        Field<TagListFilterInputGraphType>("tags").Description("detail.tags (batch-detail; `some` with one key `eq` and value `eq` is also sent to DRS).");
        Field<DatabaseTypeOperationFilterInputGraphType>("dbType").Description("detail.source.dbType, the source engine (batch-detail).");
        Field<TaskModeOperationFilterInputGraphType>("taskMode").Description("detail.taskType (batch-detail).");
        Field<DateTimeOperationFilterInputGraphType>("createdAt").Description("detail.createdAt (the job list says it).");
        Field<DateTimeOperationFilterInputGraphType>("updatedAt").Description("detail.updatedAt (batch-detail).");
        Field<FloatOperationFilterInputGraphType>("progressPercent").Description("progress.percent (batch-progress).");
        Field<IntOperationFilterInputGraphType>("incrementalDelaySeconds").Description("progress.incrementalDelaySeconds (batch-progress).");
    }
}
