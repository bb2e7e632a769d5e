using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Browsing;

/// <summary>A parsed <c>TagFilterInput</c>: conditions on one tag's key and value, combined as <see cref="JobFilter"/> combines a job's.</summary>
public sealed record TagFilter(IReadOnlyList<FieldCondition> Conditions, IReadOnlyList<TagFilter> And, IReadOnlyList<TagFilter> Or)
{
    /// <summary>Reads the key of the tag being tested (the facts' ID slot carries it; see <see cref="Matches"/>).</summary>
    public static readonly BrowseField Key = new("key", JobSources.None, true, f => f.Id);

    /// <summary>Reads the value of the tag being tested.</summary>
    public static readonly BrowseField Value = new("value", JobSources.None, true, f => f.Listed?.Name);

    public bool Matches(Tag tag)
    {
        // The string operations are FieldCondition's: hand them the tag in the slots Key and Value read.
        var facts = new JobFacts(tag.Key, Listed: new ListedJob(tag.Key, tag.Value, null, null, DbUseType.Unknown));
        return Conditions.All(c => c.Matches(facts)) && And.All(f => f.Matches(tag)) && (Or.Count == 0 || Or.Any(f => f.Matches(tag)));
    }

    /// <summary>The one key and value this filter asks for with eq and nothing else, which DRS's tags filter can take; else null.</summary>
    public (string Key, string Value)? ExactPair() =>
        And.Count == 0 && Or.Count == 0 && Conditions.Count == 2
        && Conditions.SingleOrDefault(c => c.Field == Key && c.Operation == "eq")?.Operand is string key
        && Conditions.SingleOrDefault(c => c.Field == Value && c.Operation == "eq")?.Operand is string value
            ? (key, value)
            : null;
}
