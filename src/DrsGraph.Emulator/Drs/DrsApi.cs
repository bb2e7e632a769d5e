using System.Globalization;
using System.Text.Json;
using DrsGraph.Emulator.Faults;
using DrsGraph.Emulator.Infrastructure;
using DrsGraph.Emulator.Jobs;
using DrsGraph.Emulator.Requests;
using Microsoft.Extensions.Options;

namespace DrsGraph.Emulator.Drs;

/// <summary>The three DRS v3 batch endpoints and the job list.</summary>
public static class DrsApi
{
    public const string Status = "status";
    public const string Progress = "progress";
    public const string Detail = "detail";
    public const string List = "list";

    public static IEndpointRouteBuilder MapDrsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v3/{projectId}/jobs/batch-status", (HttpContext context, string projectId, DrsCallHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(context, projectId, Status, cancellationToken));
        routes.MapPost("/v3/{projectId}/jobs/batch-progress", (HttpContext context, string projectId, DrsCallHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(context, projectId, Progress, cancellationToken));
        routes.MapPost("/v3/{projectId}/jobs/batch-detail", (HttpContext context, string projectId, DrsCallHandler handler, CancellationToken cancellationToken) =>
            handler.HandleAsync(context, projectId, Detail, cancellationToken));
        routes.MapPost("/v3/{projectId}/jobs", (HttpContext context, string projectId, DrsCallHandler handler, CancellationToken cancellationToken) =>
            handler.HandleListAsync(context, projectId, cancellationToken));
        return routes;
    }
}

/// <summary>
/// One /v3 call, in the service's order: log it, authenticate, inject faults, validate the whole batch,
/// then answer per item.
/// </summary>
public sealed partial class DrsCallHandler(
    JobStore store,
    RequestLog log,
    FaultInjector faults,
    TenantAuthorizer authorizer,
    TimeProvider time,
    IOptionsMonitor<EmulatorOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<DrsCallHandler> logger)
{
    // A hung call's answer when the client gave up: nginx's "client closed request", for the log only.
    private const int ClientClosedRequest = 499;

    /// <summary>Answers one call; <paramref name="cancellationToken"/> is the request's (fires when the client gives up).</summary>
    public async Task HandleAsync(HttpContext context, string projectId, string endpoint, CancellationToken cancellationToken)
    {
        // Kept readable: an AK/SK signature covers the body's hash.
        context.Request.EnableBuffering();
        var raw = await RawBatchRequest.ReadAsync(context.Request, cancellationToken);
        var entry = Log(context, projectId, endpoint, raw);
        try
        {
            await AnswerAsync(context, projectId, endpoint, raw, entry, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client gave up (e.g. during injected latency): nothing to answer, but the log says so.
            entry.StatusCode = ClientClosedRequest;
        }
    }

    /// <summary>
    /// Answers one list call (<c>POST /v3/{project_id}/jobs</c>) in the same order as the batch calls: log,
    /// authenticate, faults (endpoint name <c>list</c>), validate the body, answer.
    /// </summary>
    public async Task HandleListAsync(HttpContext context, string projectId, CancellationToken cancellationToken)
    {
        // Kept readable: an AK/SK signature covers the body's hash.
        context.Request.EnableBuffering();
        var raw = await RawListRequest.ReadAsync(context.Request, cancellationToken);
        var language = context.Request.Headers["X-Language"].ToString();
        var entry = log.Add(sequence => new LoggedRequest
        {
            Sequence = sequence,
            ReceivedAt = time.GetUtcNow(),
            Endpoint = DrsApi.List,
            ProjectId = projectId,
            PageReq = raw.PageReq,
            ListQuery = raw.Query,
            Language = string.IsNullOrEmpty(language) ? null : language,
        });
        try
        {
            if (await RefusedAsync(context, projectId, DrsApi.List, entry, cancellationToken))
            {
                return;
            }

            var (query, code, message) = ListValidator.Validate(raw);
            if (query is null)
            {
                entry.StatusCode = StatusCodes.Status400BadRequest;
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, code!, message!, cancellationToken);
                return;
            }

            var answer = JobListing.Answer(store.List(projectId), query, time.GetUtcNow());
            if (query.CurPage == 1 && answer.Jobs.Count > 0 && faults.TakeListMove() is { } moveTo)
            {
                // Before the answer goes out: the client's next page request finds the job already moved.
                MoveListed(projectId, answer.Jobs[0].Id, moveTo);
            }

            entry.StatusCode = StatusCodes.Status200OK;
            await WriteAsync(context, StatusCodes.Status200OK, answer, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            entry.StatusCode = ClientClosedRequest;
        }
    }

    /// <summary>The <c>listMoveNext</c> fault: one listed job changes status between the client's page requests.</summary>
    private void MoveListed(string projectId, string? id, string status)
    {
        if (id is null || store.Find(projectId, id) is not { Deleted: false } job)
        {
            return;
        }

        var o = options.CurrentValue;
        var (moved, _) = JobTransitions.Apply(job, new TransitionRequest(projectId, status, null, null, true), time.GetUtcNow(), o.Seed, o.TimeScale);
        if (moved is not null)
        {
            store.TryReplace([(job, moved)]);
        }
    }

    private LoggedRequest Log(HttpContext context, string projectId, string endpoint, RawBatchRequest raw)
    {
        var language = context.Request.Headers["X-Language"].ToString();
        return log.Add(sequence => new LoggedRequest
        {
            Sequence = sequence,
            ReceivedAt = time.GetUtcNow(),
            Endpoint = endpoint,
            ProjectId = projectId,
            JobIds = raw.JobIds,
            PageReq = raw.PageReq,
            Language = string.IsNullOrEmpty(language) ? null : language,
        });
    }

    private async Task AnswerAsync(HttpContext context, string projectId, string endpoint, RawBatchRequest raw, LoggedRequest entry, CancellationToken cancellationToken)
    {
        if (await RefusedAsync(context, projectId, endpoint, entry, cancellationToken))
        {
            return;
        }

        var o = options.CurrentValue;
        var (batch, code, message) = BatchValidator.Validate(raw, paged: endpoint != DrsApi.Progress, o.MaxJobsPerCall);
        if (batch is null)
        {
            entry.StatusCode = StatusCodes.Status400BadRequest;
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, code!, message!, cancellationToken);
            return;
        }

        var now = time.GetUtcNow();
        var jobs = batch.PageIds.Select(id => (Id: id, Job: store.Find(projectId, id))).ToList();
        var results = endpoint switch
        {
            DrsApi.Status => Serialize(jobs.Select(j => StatusOf(j.Id, j.Job, now))),
            DrsApi.Progress => Serialize(jobs.Select(j => ProgressOf(j.Id, j.Job, now))),
            _ => Serialize(jobs.Select(j => DetailOf(j.Id, j.Job, now))),
        };

        // When no ID of the whole call exists DRS answers 400, still batch-shaped. Of the call, not of the page: a
        // page holding only missing jobs of a call that names existing ones is an ordinary 200 with per-item errors.
        var anyFound = batch.AllIds.Any(id => store.Find(projectId, id) is { } job && (endpoint == DrsApi.Status || !job.Deleted));
        var status = !anyFound ? StatusCodes.Status400BadRequest
            : endpoint == DrsApi.Progress ? o.ProgressStatusCode
            : StatusCodes.Status200OK;
        entry.StatusCode = status;
        await WriteAsync(context, status, new BatchResponse<object>(results.Count, results), cancellationToken);
    }

    /// <summary>Authentication, then the injected fault: true when either has answered the call already.</summary>
    private async Task<bool> RefusedAsync(HttpContext context, string projectId, string endpoint, LoggedRequest entry, CancellationToken cancellationToken)
    {
        var denied = await authorizer.CheckAsync(context.Request, projectId, cancellationToken);
        if (denied is { } d)
        {
            entry.StatusCode = d.Status;
            await WriteErrorAsync(context, d.Status, d.Code, d.Message, cancellationToken);
            return true;
        }

        var (kind, delay, settings) = faults.Decide(endpoint);
        entry.Fault = kind.ToString().ToLowerInvariant();
        if (delay > TimeSpan.Zero)
        {
            // Real time on purpose: latency is about the client's timeouts, not the jobs' lifecycle.
            await Task.Delay(delay, cancellationToken);
        }

        switch (kind)
        {
            case FaultKind.Hang:
                LogHanging(logger, endpoint);
                entry.StatusCode = await HangAsync(context, cancellationToken);
                return true;
            case FaultKind.Throttle:
                entry.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = settings.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, DrsErrors.Throttled, DrsErrors.ThrottledMessage, cancellationToken);
                return true;
            case FaultKind.Failure:
                entry.StatusCode = settings.FailureStatus;
                await WriteErrorAsync(context, settings.FailureStatus, settings.FailureCode, DrsErrors.MessageFor(settings.FailureCode), cancellationToken);
                return true;
            default:
                break;
        }

        return false;
    }

    private static StatusItem StatusOf(string id, JobDefinition? job, DateTimeOffset now) => job is null
        ? new StatusItem(id, ErrorCode: DrsErrors.JobNotFound, ErrorMessage: DrsErrors.JobNotFoundMessage)
        : JobLifecycle.ToStatus(job, now);

    private static ProgressItem ProgressOf(string id, JobDefinition? job, DateTimeOffset now) => job switch
    {
        null => new ProgressItem { JobId = id, ErrorCode = DrsErrors.JobNotFound, ErrorMsg = DrsErrors.JobNotFoundMessage },
        { Deleted: true } => new ProgressItem { JobId = id, ErrorCode = DrsErrors.JobDeleted, ErrorMsg = DrsErrors.JobDeletedMessage },
        _ => JobLifecycle.ToProgress(job, now),
    };

    private static DetailItem DetailOf(string id, JobDefinition? job, DateTimeOffset now) => job switch
    {
        null => new DetailItem { Id = id, ErrorCode = DrsErrors.JobNotFound, ErrorMessage = DrsErrors.JobNotFoundMessage },
        { Deleted: true } => new DetailItem { Id = id, ErrorCode = DrsErrors.JobDeleted, ErrorMessage = DrsErrors.JobDeletedMessage },
        _ => JobLifecycle.ToDetail(job, now),
    };

    // Items typed as object: System.Text.Json then writes each by its runtime type (status, progress or detail item).
    private static List<object> Serialize<T>(IEnumerable<T> items)
        where T : notnull => [.. items.Cast<object>()];

    private async Task<int> HangAsync(HttpContext context, CancellationToken cancellationToken)
    {
        // Never answers: waits for the client to give up (or the emulator to stop, so shutdown is not held up).
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, linked.Token);
        }
        catch (OperationCanceledException)
        {
        }

        context.Abort();
        return ClientClosedRequest;
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string code, string message, CancellationToken cancellationToken) =>
        WriteAsync(context, status, new ErrorBody(code, message, context.GetRequestId()), cancellationToken);

    private static async Task WriteAsync<T>(HttpContext context, int status, T body, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json;charset=UTF-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, EmulatorJson.Drs, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Injected hang on {Endpoint}: answering only when the client gives up")]
    private static partial void LogHanging(ILogger logger, string endpoint);
}
