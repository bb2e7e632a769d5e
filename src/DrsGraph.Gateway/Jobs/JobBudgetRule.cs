using System.Collections;
using System.ComponentModel.DataAnnotations;
using GraphQL.Validation;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;
using ValidationContext = GraphQL.Validation.ValidationContext;

namespace DrsGraph.Gateway.Jobs;

/// <summary>How much one operation may ask for, bound from <c>Gateway:Limits</c>.</summary>
public sealed class QueryLimitOptions
{
    public const string SectionName = "Gateway:Limits";

    /// <summary>
    /// Job references per operation: each <c>job</c> field counts 1, each <c>jobs</c> field the length of
    /// its list, across aliases and fragments. Default 1000 (ten batch calls of 100 per endpoint).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxJobReferences { get; set; } = 1000;

    /// <summary>Distinct job IDs per operation. Default 500.</summary>
    [Range(1, 100_000)]
    public int MaxDistinctJobIds { get; set; } = 500;

    /// <summary>Deepest selection allowed. Default 15: our data is 4 deep; introspection (the IDE's) needs about 13.</summary>
    [Range(2, 100)]
    public int MaxDepth { get; set; } = 15;
}

/// <summary>
/// Refuses, before anything runs, an operation that references more jobs than allowed (an alias
/// flood like <c>a1: job(...) ... a5000: job(...)</c>, or huge <c>ids</c> lists). Runs after variables
/// are parsed, so IDs passed as variables count too.
/// </summary>
public sealed class JobBudgetRule(IOptions<QueryLimitOptions> options) : ValidationRuleBase
{
    public const string TooManyJobReferences = "TOO_MANY_JOB_REFERENCES";
    public const string TooManyDistinctJobIds = "TOO_MANY_DISTINCT_JOB_IDS";

    public override ValueTask<INodeVisitor?> GetPostNodeVisitorAsync(ValidationContext context)
    {
        if (context.ArgumentValues is not { Count: > 0 } arguments)
        {
            return default;
        }

        var references = 0;
        GraphQLField? worst = null;
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (field, values) in arguments)
        {
            switch (field.Name.StringValue)
            {
                case "job" when values.TryGetValue("id", out var id) && id.Value is string one:
                    references++;
                    distinct.Add(one);
                    worst ??= field;
                    break;
                case "jobs" when values.TryGetValue("ids", out var ids) && ids.Value is IEnumerable list:
                    foreach (var item in list)
                    {
                        references++;
                        if (item is string value)
                        {
                            distinct.Add(value);
                        }
                    }

                    worst = field;
                    break;
            }
        }

        var limits = options.Value;
        if (references > limits.MaxJobReferences)
        {
            context.ReportError(new ValidationError(context.Document.Source, TooManyJobReferences,
                $"The operation references {references} jobs (job fields count 1, jobs fields the length of their list, across aliases); at most {limits.MaxJobReferences} are allowed.",
                worst!) { Code = TooManyJobReferences });
        }
        else if (distinct.Count > limits.MaxDistinctJobIds)
        {
            context.ReportError(new ValidationError(context.Document.Source, TooManyDistinctJobIds,
                $"The operation asks for {distinct.Count} distinct job IDs; at most {limits.MaxDistinctJobIds} are allowed.",
                worst!) { Code = TooManyDistinctJobIds });
        }

        return default;
    }
}
