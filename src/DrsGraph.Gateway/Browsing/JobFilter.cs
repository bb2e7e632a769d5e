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

    /// <summary>
    /// A looser filter every match also passes, reading only the fields <paramref name="known"/> accepts: the
    /// other conditions are dropped (true), at any depth. Safe through <c>and</c> and <c>or</c> alike because
    /// the filter has no negation of an object (neq, nin, ... negate one field's value only): loosening a part
    /// can only let more through. An <c>or</c> entry loosened to nothing makes its whole <c>or</c> true.
    /// </summary>
    public JobFilter Loosened(Func<BrowseField, bool> known) =>
        new([.. Conditions.Where(c => known(c.Field))], [.. And.Select(f => f.Loosened(known))], [.. Or.Select(f => f.Loosened(known))]);
}
