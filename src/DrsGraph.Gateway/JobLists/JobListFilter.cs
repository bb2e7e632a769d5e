using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.JobLists;

/// <summary>
/// The filters DRS's list call applies itself (docs/drs-api.md#listing-a-projects-jobs). Every set member
/// narrows the answer (AND); null means "any". A record, so equal filters share a cache entry.
/// </summary>
/// <param name="UseType">
/// Migration, sync or disaster recovery. DRS requires exactly one per call; null means all three, which
/// costs one walk per use type and is therefore only served with <see cref="JobListPaging.All"/>.
/// </param>
/// <param name="Status">One status (DRS filters on a single value).</param>
/// <param name="EngineType">DRS's engine type string as it answers it, e.g. <c>mysql</c>, <c>cloudDataGuard-mysql</c> (open set).</param>
/// <param name="NetType">vpn, vpc or eip.</param>
/// <param name="Name">A job name to match (DRS matches it as the name field of its body).</param>
/// <param name="Ids">Only these job IDs (at most 100; DRS takes them comma-separated in the name field, so not together with <paramref name="Name"/>).</param>
/// <param name="EnterpriseProjectId">An enterprise project.</param>
/// <param name="Tags">Tag key to value; every pair must match.</param>
public sealed record JobListFilter(
    DbUseType? UseType = null,
    JobStatus? Status = null,
    string? EngineType = null,
    NetType? NetType = null,
    string? Name = null,
    IReadOnlyList<string>? Ids = null,
    string? EnterpriseProjectId = null,
    IReadOnlyDictionary<string, string>? Tags = null)
{
    /// <summary>DRS takes at most this many IDs in one list call's name field.</summary>
    public const int MaxIds = 100;

    /// <summary>
    /// Whether DRS may read <paramref name="name"/> as job IDs rather than a name: its name field takes either, "name
    /// or id", and no public source says how it tells them apart (the emulator reads IDs when every comma-separated
    /// part is one). Conservatively true when any part is ID-shaped: such a name is not sent as <see cref="Name"/>
    /// (the caller filters it itself), since DRS would list the jobs with those IDs instead of the jobs of that name.
    /// </summary>
    public static bool MayReadAsIds(string name) =>
        name.Split(',', StringSplitOptions.TrimEntries).Any(DrsGraph.DrsClient.DrsClient.IsValidJobId);

    /// <summary>No filter at all: every job of every use type.</summary>
    public static JobListFilter None { get; } = new();

    // Records compare collections by reference: compare (and hash) their contents, so two requests with
    // the same IDs or tags find the same cache entry.
    public bool Equals(JobListFilter? other) =>
        other is not null
        && UseType == other.UseType && Status == other.Status && NetType == other.NetType
        && string.Equals(EngineType, other.EngineType, StringComparison.Ordinal)
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && string.Equals(EnterpriseProjectId, other.EnterpriseProjectId, StringComparison.Ordinal)
        && SameIds(Ids, other.Ids)
        && SameTags(Tags, other.Tags);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(UseType);
        hash.Add(Status);
        hash.Add(EngineType, StringComparer.Ordinal);
        hash.Add(NetType);
        hash.Add(Name, StringComparer.Ordinal);
        hash.Add(EnterpriseProjectId, StringComparer.Ordinal);
        foreach (var id in Ids ?? [])
        {
            hash.Add(id, StringComparer.Ordinal);
        }

        foreach (var (key, value) in (Tags ?? new Dictionary<string, string>()).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            hash.Add(key, StringComparer.Ordinal);
            hash.Add(value, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    private static bool SameIds(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        (a is null || a.Count == 0) ? (b is null || b.Count == 0) : b is not null && a.SequenceEqual(b, StringComparer.Ordinal);

    private static bool SameTags(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b)
    {
        if (a is null || a.Count == 0)
        {
            return b is null || b.Count == 0;
        }

        return b is not null && a.Count == b.Count
            && a.All(pair => b.TryGetValue(pair.Key, out var value) && string.Equals(value, pair.Value, StringComparison.Ordinal));
    }
}
