using System.Text.Json;
using DrsGraph.Emulator.Drs;
using DrsGraph.Emulator.Faults;
using DrsGraph.Emulator.Requests;
using Microsoft.Extensions.Options;

namespace DrsGraph.Emulator.Jobs;

/// <summary>Body of <c>POST /_emulator/jobs</c>; every member optional.</summary>
/// <param name="ProjectId">Default: the demo project.</param>
/// <param name="Ids">The new jobs' IDs; else <paramref name="Count"/> fresh ones.</param>
/// <param name="Count">How many jobs (default 1, at most 10 000).</param>
/// <param name="Status">The status they enter now (default CREATING).</param>
/// <param name="TaskMode">FULL_TRANS, INCR_TRANS or FULL_INCR_TRANS (default).</param>
/// <param name="Frozen">True: the jobs never change again.</param>
/// <param name="Name">Every new job's name (default: generated).</param>
/// <param name="DbUseType">migration, sync or cloudDataGuard (default: drawn per job, as for the seed).</param>
/// <param name="EngineType">The list call's <c>engine_type</c> (default: derived from the drawn instance).</param>
/// <param name="NetType">vpn, vpc or eip (default: drawn per job).</param>
/// <param name="EnterpriseProjectId">Default "0", DRS's default enterprise project.</param>
/// <param name="ParentId">Makes the new jobs subtasks of this job of the same project (the list shows them as its children).</param>
public sealed record CreateJobsRequest(
    string? ProjectId, IReadOnlyList<string>? Ids, int? Count, string? Status, string? TaskMode, bool? Frozen, string? Name,
    string? DbUseType = null, string? EngineType = null, string? NetType = null, string? EnterpriseProjectId = null, string? ParentId = null);

/// <summary>A job as the control API shows it.</summary>
public sealed record JobSummary(string Id, string ProjectId, string Name, string Status, string TaskMode, bool Deleted);

/// <summary><c>/_emulator/jobs</c> and <c>/_emulator/reset</c>: shape the data tests run against.</summary>
public static class JobsControlApi
{
    // More than any test needs, few enough that one call cannot exhaust memory.
    private const int MaxCreatePerCall = 10_000;

    public static IEndpointRouteBuilder MapJobsControlApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/_emulator/jobs", CreateAsync);
        routes.MapGet("/_emulator/jobs", (string? projectId, JobStore store, TimeProvider time) =>
        {
            var now = time.GetUtcNow();
            return Results.Json(new { jobs = store.List(string.IsNullOrEmpty(projectId) ? null : projectId).Select(j => Summarize(j, now)) });
        });
        routes.MapDelete("/_emulator/jobs/{id}", (string id, JobStore store) =>
            store.MarkDeleted(id) ? Results.NoContent() : Results.NotFound(new { error = $"No job {id}." }));
        routes.MapPost("/_emulator/jobs/{id}/transition", TransitionAsync);
        routes.MapPost("/_emulator/reset", (JobStore store, FaultInjector faults, RequestLog log) =>
        {
            store.Reset();
            faults.Clear();
            log.Clear();
            return Results.NoContent();
        });
        return routes;
    }

    private static async Task<IResult> CreateAsync(
        HttpRequest request, JobStore store, TimeProvider time, IOptionsMonitor<EmulatorOptions> options, CancellationToken cancellationToken)
    {
        CreateJobsRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<CreateJobsRequest>(request.Body, JsonSerializerOptions.Web, cancellationToken);
        }
        catch (JsonException e)
        {
            return Results.BadRequest(new { error = "The body is not a valid jobs request: " + e.Message });
        }

        body ??= new CreateJobsRequest(null, null, null, null, null, null, null);
        var projectId = string.IsNullOrWhiteSpace(body.ProjectId) ? JobFactory.DemoProjectId : body.ProjectId;
        var status = body.Status ?? JobStatuses.Creating;
        var taskMode = body.TaskMode ?? TaskModes.FullIncremental;
        if (!JobStatuses.All.Contains(status))
        {
            return Results.BadRequest(new { error = $"Unknown status {status}." });
        }

        if (!TaskModes.All.Contains(taskMode))
        {
            return Results.BadRequest(new { error = $"Unknown taskMode {taskMode}; use FULL_TRANS, INCR_TRANS or FULL_INCR_TRANS." });
        }

        if (TaskModes.Refuses(taskMode, status) is { } impossible)
        {
            return Results.BadRequest(new { error = impossible });
        }

        if (body.DbUseType is { } useType && useType is not ("migration" or "sync" or "cloudDataGuard"))
        {
            return Results.BadRequest(new { error = $"Unknown dbUseType {useType}; use migration, sync or cloudDataGuard." });
        }

        if (body.NetType is { } netType && netType is not ("vpn" or "vpc" or "eip"))
        {
            return Results.BadRequest(new { error = $"Unknown netType {netType}; use vpn, vpc or eip." });
        }

        if (body.ParentId is { } parentId && store.Find(projectId, parentId) is null)
        {
            return Results.BadRequest(new { error = $"No parent job {parentId} in project {projectId}." });
        }

        List<string> ids;
        if (body.Ids is { } given)
        {
            if (given.Count is 0 or > MaxCreatePerCall || given.Any(id => id is null || !BatchValidator.IsValidJobId(id)))
            {
                return Results.BadRequest(new { error = $"ids must hold 1..{MaxCreatePerCall} job IDs matching ^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-z]{{12}}$." });
            }

            if (given.Distinct(StringComparer.Ordinal).Count() != given.Count)
            {
                return Results.BadRequest(new { error = "ids holds duplicates." });
            }

            ids = [.. given];
        }
        else
        {
            var count = body.Count ?? 1;
            if (count is < 1 or > MaxCreatePerCall)
            {
                return Results.BadRequest(new { error = $"count must be 1..{MaxCreatePerCall}." });
            }

            ids = [];
            var taken = new HashSet<string>(StringComparer.Ordinal);
            while (ids.Count < count)
            {
                var id = store.NewId(projectId);
                if (taken.Add(id))
                {
                    ids.Add(id);
                }
            }
        }

        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        var jobs = ids.Select(id => WithListFields(JobFactory.Create(id, projectId, body.Name, status, taskMode, body.Frozen ?? false, now, o.Seed, o.TimeScale), body)).ToList();
        if (!store.TryAdd(jobs))
        {
            return Results.BadRequest(new { error = $"A job with one of these IDs already exists in project {projectId}." });
        }

        return Results.Json(new { jobs = jobs.Select(j => Summarize(j, now)) }, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> TransitionAsync(
        string id, HttpRequest request, JobStore store, TimeProvider time, IOptionsMonitor<EmulatorOptions> options, CancellationToken cancellationToken)
    {
        TransitionRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<TransitionRequest>(request.Body, JsonSerializerOptions.Web, cancellationToken);
        }
        catch (JsonException e)
        {
            return Results.BadRequest(new { error = "The body is not a valid transition request: " + e.Message });
        }

        body ??= new TransitionRequest(null, null, null, null, null);
        if (!BatchValidator.IsValidJobId(id))
        {
            return Results.BadRequest(new { error = $"{id} is not a job ID: it must match ^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-z]{{12}}$." });
        }

        if (JobTransitions.Validate(body) is { } invalid)
        {
            return Results.BadRequest(new { error = invalid });
        }

        // Like DELETE: every job with this ID, unless projectId narrows it to one project.
        var projectId = string.IsNullOrWhiteSpace(body.ProjectId) ? null : body.ProjectId;
        var jobs = store.FindAll(id, projectId);
        if (jobs.Count == 0)
        {
            return Results.NotFound(new { error = projectId is null ? $"No job {id}." : $"No job {id} in project {projectId}." });
        }

        if (jobs.FirstOrDefault(j => j.Deleted) is { } deleted)
        {
            return Results.Conflict(new { error = $"Job {id} in project {deleted.ProjectId} is deleted; a deleted job never changes again (create a new one with POST /_emulator/jobs)." });
        }

        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        var moves = new List<(JobDefinition Old, JobDefinition New)>(jobs.Count);
        foreach (var job in jobs)
        {
            var (next, error) = JobTransitions.Apply(job, body, now, o.Seed, o.TimeScale);
            if (next is null)
            {
                return Results.BadRequest(new { error });
            }

            moves.Add((job, next));
        }

        if (!store.TryReplace(moves))
        {
            return Results.Conflict(new { error = $"Job {id} changed while it was being moved (another control call); try again." });
        }

        return Results.Json(new { jobs = moves.Select(m => Summarize(m.New, now)) });
    }

    /// <summary>The fields the list call filters on, where the request sets them.</summary>
    private static JobDefinition WithListFields(JobDefinition job, CreateJobsRequest body) => job with
    {
        ParentId = body.ParentId,
        EnterpriseProjectId = string.IsNullOrEmpty(body.EnterpriseProjectId) ? job.EnterpriseProjectId : body.EnterpriseProjectId,
        EngineType = string.IsNullOrEmpty(body.EngineType) ? null : body.EngineType,
        Profile = job.Profile with
        {
            DbUseType = body.DbUseType ?? job.Profile.DbUseType,
            NetType = body.NetType ?? job.Profile.NetType,
        },
    };

    private static JobSummary Summarize(JobDefinition job, DateTimeOffset now) =>
        new(job.Id, job.ProjectId, job.Name, job.Deleted ? JobStatuses.Deleted : JobLifecycle.Compute(job, now).Status, job.TaskMode, job.Deleted);
}
