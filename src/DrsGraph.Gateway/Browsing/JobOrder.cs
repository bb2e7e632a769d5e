namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// A parsed <c>order: [JobSortInput!]</c>: keys in precedence order. Nulls sort last in both directions. A
/// project's list then falls back on newest first and the job ID (<see cref="ThenNewestFirst"/>), a given ID list on
/// the job ID, so the order is total and cursors stay stable; without an order a given ID list keeps its own.
/// </summary>
public sealed record JobOrder(IReadOnlyList<JobOrder.Key> Keys, bool TieOnId = false)
{
    public sealed record Key(BrowseField Field, bool Descending);

    /// <summary>The default of <c>projectJobs</c>: newest first.</summary>
    public static readonly JobOrder NewestFirst = new([new Key(BrowseField.CreatedAt, true)], TieOnId: true);

    /// <summary>These keys, then newest first, then the job ID: the order of a project's list.</summary>
    public JobOrder ThenNewestFirst() => new([.. Keys, .. NewestFirst.Keys], TieOnId: true);

    public static readonly JobOrder None = new([]);

    public int Compare(JobFacts left, JobFacts right)
    {
        foreach (var key in Keys)
        {
            var (a, b) = (key.Field.Read(left), key.Field.Read(right));
            if (a is null || b is null)
            {
                var nulls = FieldCondition.CompareValues(a, b);
                if (nulls != 0)
                {
                    return nulls;
                }

                continue;
            }

            var compared = FieldCondition.CompareValues(a, b);
            if (compared != 0)
            {
                return key.Descending ? -compared : compared;
            }
        }

        return TieOnId ? string.CompareOrdinal(left.Id, right.Id) : 0;
    }
}
