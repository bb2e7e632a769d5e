using System.Diagnostics;
using System.Text.Json;
using DrsGraph.DrsClient.Wire;
using Polly.CircuitBreaker;

namespace DrsGraph.DrsClient;

// The job list call, POST /v3/{project_id}/jobs: same pipeline, logging and telemetry as the batch calls.
public sealed partial class DrsClient
{
    private const string ListName = "list";

    public async Task<DrsResult<DrsJobList>> ListJobsAsync(DrsCaller caller, JobListPageRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Query);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Query.DbUseType, nameof(request));
        ArgumentOutOfRangeException.ThrowIfLessThan(request.CurPage, 1, nameof(request));
        ArgumentOutOfRangeException.ThrowIfLessThan(request.PerPage, 1, nameof(request));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(request.PerPage, 100, nameof(request));
        cancellationToken.ThrowIfCancellationRequested();

        var (list, error) = await SendListAsync(caller, request, cancellationToken);
        return list is null
            ? DrsResult<DrsJobList>.Failure(error!)
            : DrsResult<DrsJobList>.Success(new DrsJobList(Distinct(list.Jobs!), list.TotalRecord!.Value, IsComplete: true, UpstreamCalls: 1));
    }

    public async Task<DrsResult<DrsJobList>> ListAllJobsAsync(DrsCaller caller, JobListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentException.ThrowIfNullOrWhiteSpace(query.DbUseType, nameof(query));
        cancellationToken.ThrowIfCancellationRequested();

        var settings = options.Value;
        var calls = 0;
        var changes = 0;
        for (var walk = 1; ; walk++)
        {
            var (list, error, changed) = await WalkAsync(caller, query, settings, cancellationToken);
            calls += list?.UpstreamCalls ?? 0;
            if (error is not null)
            {
                return DrsResult<DrsJobList>.Failure(error);
            }

            if (!changed)
            {
                return DrsResult<DrsJobList>.Success(list! with { UpstreamCalls = calls });
            }

            changes++;
            if (walk >= ListWalkAttempts)
            {
                // Never a list known to be wrong: the caller gets an error it may retry, and nothing is cached.
                var message = $"DRS's job list changed while it was read page by page ({changes} walks in a row did not add up: total_record moved or the pages " +
                    "did not hold that many distinct jobs); jobs are changing status right now, so try again shortly or narrow the filter.";
                DrsClientLog.ListInconsistent(logger, caller.ProjectId, caller.Region, changes, calls);
                return DrsResult<DrsJobList>.Failure(new DrsError(DrsErrorCodes.ListInconsistent, message, DrsErrorKind.Unavailable));
            }
        }
    }

    /// <summary>
    /// Walks a list whose jobs change status between pages at most this many times. DRS pages by offset over the
    /// filtered list, so a job entering or leaving the filter mid-walk shifts the later pages and a job that matched
    /// throughout can be skipped. Such a walk is detected and done again: a busy project settles within a few walks.
    /// </summary>
    internal const int ListWalkAttempts = 3;

    /// <summary>DRS's own default page size: the smallest page 1 taken to say how DRS pages.</summary>
    private const int MinDrsPageSize = 5;

    /// <summary>
    /// One walk: page 1 says how many jobs there are (and, over <c>Drs:ListMaxJobs</c>, ends the walk: the list is
    /// refused anyway), then exactly the pages that remain, a few at a time. <c>Changed</c> when the pages do not add
    /// up: another total_record than page 1's, or other than that many distinct jobs (with or without their subtasks).
    /// </summary>
    private async Task<(DrsJobList? List, DrsError? Error, bool Changed)> WalkAsync(DrsCaller caller, JobListQuery query, DrsClientOptions settings, CancellationToken cancellationToken)
    {
        var size = settings.ListPageSize;
        var max = settings.ListMaxJobs;
        var (first, error) = await SendListAsync(caller, new JobListPageRequest(query, 1, size), cancellationToken);
        if (first is null)
        {
            return (null, error!, false);
        }

        var total = first.TotalRecord!.Value;
        if (total > max)
        {
            // Page 1 decides it: more jobs match than the gateway lists at once, so the other pages are not fetched.
            var head = Distinct(first.Jobs!);
            return (new DrsJobList(head.Count > max ? [.. head.Take(max)] : head, total, IsComplete: false, UpstreamCalls: 1), null, false);
        }

        // A DRS whose pages are smaller than asked (a cap below per_page, or per_page ignored: its default is 5) is paged
        // by its own size: asked by ours, its page 2 would skip the jobs between (offsets counted in our size), and the
        // walk would lose them or never add up. Fewer than 5 jobs on page 1 is no page size: that answer is taken as it
        // comes (its total may count subtasks, listed under their parents).
        var onFirst = first.Jobs!.Count + first.Unnamed;
        if (onFirst >= MinDrsPageSize && onFirst < size && onFirst < total)
        {
            size = onFirst;
        }

        var pages = (int)Math.Min((total + (long)size - 1) / size, int.MaxValue);
        var rest = new JobListResponseWire?[Math.Max(pages - 1, 0)];
        DrsError? failed = null;
        if (rest.Length > 0)
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrentChunks, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, rest.Length), parallel, async (i, token) =>
            {
                var (page, pageError) = await SendListAsync(caller, new JobListPageRequest(query, i + 2, size), token);
                rest[i] = page;
                if (pageError is not null)
                {
                    Interlocked.CompareExchange(ref failed, pageError, null);
                }
            });
        }

        if (failed is not null)
        {
            return (null, failed, false);
        }

        var jobs = Distinct(first.Jobs!.Concat(rest.SelectMany(p => p!.Jobs!)));
        // Items left out for naming no job ID still count: one such item made every walk look changed.
        var unnamed = first.Unnamed + rest.Sum(p => p!.Unnamed);
        // No public source says whether total_record counts subtasks (listed only under their parents): either count
        // adds up. And one page cannot have shifted under itself: a single answer that does not add up is taken as DRS
        // gave it, rather than failing the list for good as "changing right now".
        var subtasks = jobs.Sum(j => j.Children?.Count ?? 0);
        var addsUp = jobs.Count + unnamed == total || jobs.Count + unnamed + subtasks == total;
        var changed = rest.Length > 0 && (rest.Any(p => p!.TotalRecord != total) || !addsUp);
        return (new DrsJobList(jobs, total, IsComplete: true, 1 + rest.Length), null, changed);
    }

    /// <summary>Jobs by ID, first occurrence kept: a job pushed onto the next page while walking shows up twice.</summary>
    private static List<JobListItemWire> Distinct(IEnumerable<JobListItemWire> jobs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return [.. jobs.Where(j => seen.Add(j.Id!))];
    }

    private async Task<(JobListResponseWire? List, DrsError? Error)> SendListAsync(DrsCaller caller, JobListPageRequest request, CancellationToken cancellationToken)
    {
        var q = request.Query;
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new JobListRequestWire(request.CurPage, request.PerPage, q.DbUseType, Blank(q.Name), Blank(q.Status), Blank(q.EngineType), Blank(q.NetType),
                Blank(q.EnterpriseProjectId), q.Tags is { Count: > 0 } ? q.Tags : null),
            DrsWireJsonContext.Default.JobListRequestWire);
        using var activity = DrsClientTelemetry.StartCall(ListName, caller.Region, caller.ProjectId, 0);
        var started = Stopwatch.GetTimestamp();
        var attempts = new AttemptCounter();
        var (answer, failure, exception) = await ExchangeAsync("jobs", caller, body, attempts, cancellationToken);
        if (exception is BrokenCircuitException && await circuit.ShouldSendAgainAsync(CircuitKeyOf(caller), cancellationToken))
        {
            (answer, failure, exception) = await ExchangeAsync("jobs", caller, body, attempts, cancellationToken);
        }

        JobListResponseWire? list = null;
        string? cause = null;
        if (answer is { } a)
        {
            (list, failure, cause) = DrsResponseReader.ReadList(a.Status, a.Content, a.RequestId, a.Location);
        }

        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var outcome = new DrsClientPage<JobListItemWire>(null, failure, answer?.Status, answer?.RequestId);
        DrsClientLog.CallCompleted(logger, ListName, caller.ProjectId, list?.Jobs?.Count ?? 0, outcome.HttpStatus, outcome.RequestId, elapsedMs);
        DrsClientTelemetry.CallEnded(activity, ListName, caller.Region, outcome, elapsedMs);
        if (failure is not null)
        {
            // The list call takes no IDs: its line names the page that failed instead.
            DrsClientLog.ListPageFailed(logger, caller.ProjectId, caller.Region, request.CurPage, request.PerPage, failure.Kind, failure.Code, failure.HttpStatus, failure.RequestId,
                exception is BrokenCircuitException ? 0 : attempts.Retries + 1, elapsedMs, exception is null && cause is not null ? cause : DrsClientLog.Describe(exception));
        }

        return (list, failure);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
