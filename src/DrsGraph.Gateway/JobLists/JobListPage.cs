namespace DrsGraph.Gateway.JobLists;

/// <summary>What a list call answered: the entries in DRS's order (newest first) and how many jobs match in all.</summary>
/// <param name="Jobs">The page's jobs (every matching job up to the ceiling with <see cref="JobListPaging.All"/>).</param>
/// <param name="TotalCount">Jobs matching the filter, as DRS counts them (<c>total_record</c>, summed over use types).</param>
/// <param name="IsComplete">False when <see cref="JobListPaging.All"/> found more than <c>Drs:ListMaxJobs</c> matching jobs (and stopped after DRS's page 1).</param>
public sealed record JobListPage(IReadOnlyList<JobListEntry> Jobs, int TotalCount, bool IsComplete = true);
