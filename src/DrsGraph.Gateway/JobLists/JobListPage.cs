namespace DrsGraph.Gateway.JobLists;

/// <summary>What a list call answered: the entries in DRS's order (newest first) and how many jobs match in all.</summary>
/// <param name="Jobs">The page's jobs (every matching job up to the ceiling with <see cref="JobListPaging.All"/>).</param>
/// <param name="TotalCount">Jobs matching the filter, as DRS counts them (<c>total_record</c>, summed over use types).</param>
/// <param name="IsComplete">False when <see cref="JobListPaging.All"/> stopped at <c>Drs:ListMaxJobs</c> before the end.</param>
public sealed record JobListPage(IReadOnlyList<JobListEntry> Jobs, int TotalCount, bool IsComplete = true);
