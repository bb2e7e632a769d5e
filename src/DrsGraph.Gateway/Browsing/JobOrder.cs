namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// A parsed <c>order: [JobSortInput!]</c>: keys in precedence order, then the job ID ascending, so the order
/// is total and cursors stay stable. Nulls sort last in both directions.
/// </summary>
public sealed record JobOrder(IReadOnlyList<JobOrder.Key> Keys)
{
    public sealed record Key(BrowseField Field, bool Descending);

    /// <summary>The default of <c>projectJobs</c>: newest first.</summary>
    public static readonly JobOrder NewestFirst = new([new Key(BrowseField.CreatedAt, true)]);

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

        return string.CompareOrdinal(left.Id, right.Id);
    }
}
