namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// A parsed <c>JobFilterInput</c>: every condition and every <c>and</c> entry must hold, and at least one
/// <c>or</c> entry when there are any, as HotChocolate combines the fields of one filter object.
/// </summary>
public sealed record JobFilter(IReadOnlyList<FieldCondition> Conditions, IReadOnlyList<JobFilter> And, IReadOnlyList<JobFilter> Or)
{
    public static readonly JobFilter All = new([], [], []);

    public bool IsEmpty => Conditions.Count == 0 && And.All(f => f.IsEmpty) && Or.Count == 0;

    public bool Matches(JobFacts job) =>
        Conditions.All(c => c.Matches(job)) && And.All(f => f.Matches(job)) && (Or.Count == 0 || Or.Any(f => f.Matches(job)));

    /// <summary>Every field the filter reads, at any depth.</summary>
    public IEnumerable<BrowseField> Fields() =>
        Conditions.Select(c => c.Field).Concat(And.SelectMany(f => f.Fields())).Concat(Or.SelectMany(f => f.Fields()));

    /// <summary>
    /// The conditions that hold for every match (this object's own, and those of its <c>and</c> entries): the
    /// ones safe to push down to DRS, which narrows the list without changing the answer.
    /// </summary>
    public IEnumerable<FieldCondition> RequiredConditions() => Conditions.Concat(And.SelectMany(f => f.RequiredConditions()));
}
