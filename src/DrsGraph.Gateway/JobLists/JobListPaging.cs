namespace DrsGraph.Gateway.JobLists;

/// <summary>
/// Which part of the list: one DRS page, or every matching job (walked page by page, up to
/// <c>Drs:ListMaxJobs</c>). Cursor paging over a filtered and sorted list is built on top of these.
/// </summary>
/// <param name="Page">1-based page number; 0 with <see cref="IsAll"/>.</param>
/// <param name="PageSize">1..100 jobs per page; 0 with <see cref="IsAll"/>.</param>
public sealed record JobListPaging(int Page, int PageSize)
{
    /// <summary>DRS's largest page.</summary>
    public const int MaxPageSize = 100;

    /// <summary>Every matching job, newest first; <see cref="JobListPage.IsComplete"/> says whether the ceiling cut it short.</summary>
    public static JobListPaging All { get; } = new(0, 0);

    public bool IsAll => Page == 0 && PageSize == 0;

    /// <summary>Page <paramref name="page"/> (from 1) of <paramref name="pageSize"/> jobs (1..100).</summary>
    public static JobListPaging Of(int page, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        return new JobListPaging(page, pageSize);
    }
}
