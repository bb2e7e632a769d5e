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
        var size = settings.ListPageSize;
        var max = settings.ListMaxJobs;

        // Page 1 says how many jobs there are; then exactly the pages that remain (up to the ceiling), a few at a time.
        var (first, error) = await SendListAsync(caller, new JobListPageRequest(query, 1, size), cancellationToken);
        if (first is null)
        {
            return DrsResult<DrsJobList>.Failure(error!);
        }

        var total = first.TotalRecord!.Value;
        var pages = (int)Math.Min((Math.Min(total, max) + (long)size - 1) / size, int.MaxValue);
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
            return DrsResult<DrsJobList>.Failure(failed);
        }

        var jobs = Distinct(first.Jobs!.Concat(rest.SelectMany(p => p!.Jobs!)));
        var complete = jobs.Count <= max && total <= max;
        return DrsResult<DrsJobList>.Success(new DrsJobList(jobs.Count > max ? [.. jobs.Take(max)] : jobs, total, complete, 1 + rest.Length));
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
        if (answer is { } a)
        {
            (list, failure) = DrsResponseReader.ReadList(a.Status, a.Content, a.RequestId);
        }

        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var outcome = new DrsClientPage<JobListItemWire>(null, failure, answer?.Status, answer?.RequestId);
        DrsClientLog.CallCompleted(logger, ListName, caller.ProjectId, list?.Jobs?.Count ?? 0, outcome.HttpStatus, outcome.RequestId, elapsedMs);
        DrsClientTelemetry.CallEnded(activity, ListName, caller.Region, outcome, elapsedMs);
        if (failure is not null)
        {
            DrsClientLog.CallFailed(logger, ListName, caller.ProjectId, 0, failure.Kind, failure.Code, failure.HttpStatus, failure.RequestId,
                exception is BrokenCircuitException ? 0 : attempts.Retries + 1, elapsedMs, DrsClientLog.Describe(exception));
        }

        return (list, failure);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
