using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using DrsGraph.DrsClient.Auth;
using DrsGraph.DrsClient.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace DrsGraph.DrsClient;

/// <summary>
/// Typed client for the DRS v3 batch calls (and the job list, in DrsClient.JobList.cs). Validates and deduplicates IDs, splits them into chunks
/// and pages, sends those concurrently and maps every answer, HTTP error or resilience outcome to
/// a per-ID <see cref="DrsResult{T}"/>. Only the caller's own cancellation escapes as an exception.
/// </summary>
public sealed partial class DrsClient(
    HttpClient httpClient, IOptions<DrsClientOptions> options, ILogger<DrsClient> logger, DrsCircuitGate circuit, TimeProvider? timeProvider = null) : IDrsClient
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    /// <summary>Where the resilience pipeline counts the retries of one call, for the call's log line.</summary>
    internal static readonly HttpRequestOptionsKey<AttemptCounter> AttemptsKey = new("DrsGraph.Attempts");

    internal sealed class AttemptCounter
    {
        public int Retries { get; set; }

        /// <summary>When the current pass through the pipeline began (Stopwatch ticks): what is left of its total timeout.</summary>
        public long Started { get; set; }
    }

    public Task<DrsBatch<JobStatusWire>> GetStatusesAsync(DrsCaller caller, IEnumerable<string> jobIds, CancellationToken cancellationToken = default) =>
        FetchAsync(DrsEndpoints.Status, caller, jobIds, cancellationToken);

    public Task<DrsBatch<JobProgressWire>> GetProgressAsync(DrsCaller caller, IEnumerable<string> jobIds, CancellationToken cancellationToken = default) =>
        FetchAsync(DrsEndpoints.Progress, caller, jobIds, cancellationToken);

    public Task<DrsBatch<JobDetailWire>> GetDetailsAsync(DrsCaller caller, IEnumerable<string> jobIds, CancellationToken cancellationToken = default) =>
        FetchAsync(DrsEndpoints.Detail, caller, jobIds, cancellationToken);

    /// <summary>True when <paramref name="jobId"/> has the shape DRS accepts; DRS rejects a whole batch for one bad ID.</summary>
    public static bool IsValidJobId(string jobId) => jobId is not null && JobIdPattern().IsMatch(jobId);

    // The pattern in docs/drs-api.md#job-ids, anchored with \z so a trailing newline cannot slip through as `$` would allow.
    [GeneratedRegex(@"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-z]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex JobIdPattern();

    private async Task<DrsBatch<T>> FetchAsync<T>(DrsEndpoint<T> endpoint, DrsCaller caller, IEnumerable<string> jobIds, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(jobIds);
        cancellationToken.ThrowIfCancellationRequested();

        var distinct = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var valid = new List<string>();
        foreach (var id in jobIds)
        {
            if (id is null || !seen.Add(id))
            {
                continue;
            }

            distinct.Add(id);
            if (IsValidJobId(id))
            {
                valid.Add(id);
            }
        }

        var requests = valid.Count == 0 ? [] : Plan(valid, options.Value, endpoint.IsPaged);
        using var activity = DrsClientTelemetry.StartBatch(endpoint.Name, caller.Region, valid.Count, requests.Count);
        var outcomes = new DrsClientPage<T>[requests.Count];
        if (requests.Count == 1)
        {
            outcomes[0] = await SendAsync(endpoint, caller, requests[0], cancellationToken);
        }
        else if (requests.Count > 1)
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrentChunks, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, requests.Count), parallel, async (i, token) =>
                outcomes[i] = await SendAsync(endpoint, caller, requests[i], token));
        }

        var answered = Merge(valid, outcomes);
        var pageOf = new Dictionary<string, int>(valid.Count, StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            foreach (var id in requests[i].PageIds)
            {
                pageOf[id] = i;
            }
        }

        var results = new Dictionary<string, DrsResult<T>>(distinct.Count, StringComparer.Ordinal);
        int[]? leftOut = null;
        foreach (var id in distinct)
        {
            if (answered.TryGetValue(id, out var result))
            {
                results[id] = result;
            }
            else if (pageOf.TryGetValue(id, out var page))
            {
                results[id] = Unanswered(outcomes[page]);
                if (outcomes[page].Failure is null)
                {
                    (leftOut ??= new int[requests.Count])[page]++;
                }
            }
            else
            {
                results[id] = InvalidId<T>(id);
            }
        }

        // A call that failed was logged as it failed; one that answered but left jobs out is a fault of its own.
        for (var i = 0; leftOut is not null && i < leftOut.Length; i++)
        {
            if (leftOut[i] > 0)
            {
                DrsClientLog.JobsLeftOut(logger, endpoint.Name, caller.ProjectId, caller.Region, leftOut[i], requests[i].PageIds.Count, outcomes[i].HttpStatus, outcomes[i].RequestId);
            }
        }

        // Likewise a call whose answer named jobs with items that do not read (a wrong shape, data in a 400): one line per call.
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (outcomes[i] is { Failure: null, Answers: { } answers } && Unreadable(answers) is ({ } first, var count))
            {
                DrsClientLog.ItemsUnreadable(logger, endpoint.Name, caller.ProjectId, caller.Region, count, requests[i].PageIds.Count, outcomes[i].HttpStatus, outcomes[i].RequestId, first);
            }
        }

        return new DrsBatch<T>(results, requests.Count);
    }

    /// <summary>The first unreadable item's message and how many there were (null: none).</summary>
    private static (string? First, int Count) Unreadable<T>(IReadOnlyList<KeyValuePair<string, DrsResult<T>>> answers)
        where T : class
    {
        (string? First, int Count) found = (null, 0);
        foreach (var (_, answer) in answers)
        {
            if (answer.Error is { Code: DrsErrorCodes.UnreadableResponse } error)
            {
                found = (found.First ?? error.Message, found.Count + 1);
            }
        }

        return found;
    }

    /// <summary>One HTTP call: all IDs of a chunk in <c>jobs</c>, and which of them this page should answer.</summary>
    private sealed record PageRequest(IReadOnlyList<string> ChunkIds, IReadOnlyList<string> PageIds, PageReqWire? PageReq);

    private static List<PageRequest> Plan(List<string> valid, DrsClientOptions settings, bool paged)
    {
        var requests = new List<PageRequest>();
        foreach (var chunk in valid.Chunk(settings.ChunkSize))
        {
            if (!paged)
            {
                requests.Add(new PageRequest(chunk, chunk, null));
                continue;
            }

            // Explicit per_page on every call: DRS's default is 5, so omitting it silently drops jobs.
            var perPage = Math.Min(settings.PageSize, chunk.Length);
            var pages = (chunk.Length + perPage - 1) / perPage;
            for (var page = 1; page <= pages; page++)
            {
                var pageIds = chunk.Skip((page - 1) * perPage).Take(perPage).ToArray();
                requests.Add(new PageRequest(chunk, pageIds, new PageReqWire(page, perPage)));
            }
        }

        return requests;
    }

    private async Task<DrsClientPage<T>> SendAsync<T>(DrsEndpoint<T> endpoint, DrsCaller caller, PageRequest page, CancellationToken cancellationToken)
        where T : class
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new BatchRequestWire(page.ChunkIds, page.PageReq), DrsWireJsonContext.Default.BatchRequestWire);
        using var activity = DrsClientTelemetry.StartCall(endpoint.Name, caller.Region, caller.ProjectId, page.PageIds.Count);
        var started = Stopwatch.GetTimestamp();
        var attempts = new AttemptCounter();
        var (outcome, exception) = await AttemptAsync(endpoint, caller, body, attempts, cancellationToken);
        if (exception is BrokenCircuitException && await circuit.ShouldSendAgainAsync(CircuitKeyOf(caller), cancellationToken))
        {
            // Rejected while the half-open probe was in flight, and the probe closed the circuit: send it now.
            (outcome, exception) = await AttemptAsync(endpoint, caller, body, attempts, cancellationToken);
        }

        // One debug line for every call, and one warning line when the whole call failed (no stack trace:
        // these faults are handled; the exception's type and message say what happened).
        var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        DrsClientLog.CallCompleted(logger, endpoint.Name, caller.ProjectId, page.PageIds.Count, outcome.HttpStatus, outcome.RequestId, elapsedMs);
        DrsClientTelemetry.CallEnded(activity, endpoint.Name, caller.Region, outcome, elapsedMs);
        if (outcome.Failure is { } failure)
        {
            // A pass the open circuit refused reached DRS only with the attempts retried before it (if the circuit opened
            // during this call's retries). A call refused outright is no new fault: the circuit's opening was logged once,
            // and one Warning per refused call was a flood while DRS is down (600 a second from one client).
            var made = exception is BrokenCircuitException ? attempts.Retries : attempts.Retries + 1;
            var cause = exception is null && outcome.Cause is { } described ? described : DrsClientLog.Describe(exception);
            if (made == 0)
            {
                DrsClientLog.CallRefusedByCircuit(logger, endpoint.Name, caller.ProjectId, caller.Region, page.PageIds.Count, cause);
            }
            else
            {
                DrsClientLog.CallFailed(logger, endpoint.Name, caller.ProjectId, caller.Region, page.PageIds.Count, failure.Kind, failure.Code, failure.HttpStatus, failure.RequestId,
                    made, elapsedMs, cause);
            }
        }

        return outcome;
    }

    /// <summary>One call through the resilience pipeline (its retries included); a fault becomes a typed failure.</summary>
    private async Task<(DrsClientPage<T> Outcome, Exception? Exception)> AttemptAsync<T>(
        DrsEndpoint<T> endpoint, DrsCaller caller, byte[] body, AttemptCounter attempts, CancellationToken cancellationToken)
        where T : class
    {
        var (answer, failure, exception) = await ExchangeAsync($"jobs/{endpoint.Path}", caller, body, attempts, cancellationToken);
        return answer is { } a
            ? (DrsResponseReader.Read(endpoint, a.Status, a.Content, a.RequestId, a.Location), null)
            : (new DrsClientPage<T>(null, failure, null, null), exception);
    }

    /// <summary>What DRS answered one call: status, the (bounded) body and its request id; and the token it was sent.</summary>
    private readonly record struct HttpAnswer(int Status, byte[] Content, string? RequestId, Uri? Location, string? SentToken = null);

    /// <summary>
    /// One POST to <c>v3/{project}/{path}</c> through the resilience pipeline: the answer, or the typed failure
    /// (with its exception, for the log) when none came. Shared by the batch calls and the list.
    /// </summary>
    private async Task<(HttpAnswer? Answer, DrsError? Failure, Exception? Exception)> ExchangeAsync(
        string path, DrsCaller caller, byte[] body, AttemptCounter attempts, CancellationToken cancellationToken)
    {
        var exchanged = await ExchangeOnceAsync(path, caller, body, attempts, cancellationToken);
        // DRS refused the gateway's own IAM token (revoked, its user's password changed, expired before expires_at):
        // replaced and the call made once more, rather than every call failing until the token's planned refresh, up
        // to a day away. A token IAM has just issued is not replaced again (IamTokenSource.Refused).
        if (exchanged.Answer is { Status: 401, SentToken: { } sent } && caller.Credential is IamTokenCredential held && held.Source.Refused(sent))
        {
            DrsClientLog.HeldTokenRefused(logger, caller.ProjectId, caller.Region, held.Identity);
            exchanged = await ExchangeOnceAsync(path, caller, body, attempts, cancellationToken);
        }

        return exchanged;
    }

    private async Task<(HttpAnswer? Answer, DrsError? Failure, Exception? Exception)> ExchangeOnceAsync(
        string path, DrsCaller caller, byte[] body, AttemptCounter attempts, CancellationToken cancellationToken)
    {
        var relative = $"v3/{Uri.EscapeDataString(caller.ProjectId)}/{path}";
        // Another region: an absolute URL, so its authority picks that region's own pipeline and circuit breaker.
        using var request = new HttpRequestMessage(HttpMethod.Post, caller.Endpoint is { } regionEndpoint
            ? new Uri(WithTrailingSlash(regionEndpoint), relative)
            : new Uri(relative, UriKind.Relative))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = JsonMediaType } },
        };
        if (caller.Credential is { } credential)
        {
            // Applied per attempt by DrsCredentialHandler (signed, or the gateway's own IAM token).
            request.Options.Set(DrsCredentialHandler.CredentialKey, credential);
            request.Headers.TryAddWithoutValidation("X-Project-Id", caller.ProjectId);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("X-Auth-Token", caller.AuthToken);
        }

        if (!string.IsNullOrWhiteSpace(caller.Language))
        {
            request.Headers.TryAddWithoutValidation("X-Language", caller.Language);
        }

        attempts.Started = Stopwatch.GetTimestamp();
        request.Options.Set(AttemptsKey, attempts);
        // A region's own TotalTimeout (Drs:Regions:<name>:TotalTimeout) bounds the call, retries included, on top of
        // Drs:Resilience's: a far or slow region can be given less (or more) than the others. Its expiry is a timeout.
        using var regionTimer = RegionTimeoutOf(caller) is { } limit ? new CancellationTokenSource(limit, timeProvider ?? TimeProvider.System) : null;
        using var regionBudget = regionTimer is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, regionTimer.Token);
        var token = regionBudget?.Token ?? cancellationToken;
        try
        {
            if (caller.Credential is { } held)
            {
                // The gateway's IAM token, outside the pipeline: IAM's failures are not DRS's (DrsCredential.PrepareAsync).
                await held.PrepareAsync(token);
            }

            // Headers only: the body was already read, bounded, inside the pipeline (DrsResponseBuffer).
            using var response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            // The buffered body as it is; ReadAsByteArrayAsync would copy it twice (see BufferedBody).
            var content = response.Content is BufferedBody buffered ? buffered.Body : await response.Content.ReadAsByteArrayAsync(token);
            // The token as sent (the caller's, or the gateway's own IAM token the credential handler set on this request).
            var sentToken = request.Headers.TryGetValues("X-Auth-Token", out var sent) ? sent.FirstOrDefault() : null;
            content = SecretEcho.Without(sentToken, content);
            // AK/SK: the Authorization header (access key and a signature valid for 15 minutes) is no less the gateway's,
            // whole or its signature alone.
            if (request.Headers.TryGetValues("Authorization", out var signed) && signed.FirstOrDefault() is { } authorization)
            {
                content = SecretEcho.Without(authorization, content);
                var signature = authorization.LastIndexOf("Signature=", StringComparison.Ordinal);
                content = signature < 0 ? content : SecretEcho.Without(authorization[(signature + "Signature=".Length)..], content);
            }

            var headerRequestId = PrintableText.PrintableOrNull(response.Headers.TryGetValues("X-Request-Id", out var values) ? values.FirstOrDefault() : null, PrintableText.MaxTokenLength);
            return (new HttpAnswer((int)response.StatusCode, content, headerRequestId, response.Headers.Location, sentToken), null, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException ex)
        {
            return (null, new DrsError(DrsErrorCodes.UpstreamTimeout, "DRS did not answer within the configured timeout.", DrsErrorKind.Timeout), ex);
        }
        catch (OperationCanceledException ex)
        {
            // Not the caller's token: HttpClient.Timeout or a timeout strategy surfacing as cancellation.
            return (null, new DrsError(DrsErrorCodes.UpstreamTimeout, "DRS did not answer within the configured timeout.", DrsErrorKind.Timeout), ex);
        }
        catch (Auth.IamTokenException ex) when (ex.IsRefusal)
        {
            // As DrsCredentialHandler answers it within the pipeline: DRS refusing a bad token, never retried.
            return (new HttpAnswer(401, DrsCredentialHandler.IamRefusedBody, null, null), null, null);
        }
        catch (Auth.IamTokenException ex)
        {
            // IAM failing otherwise than by refusing the credential (which DrsCredentialHandler answers as a 401): an
            // outage of what the call needs, so the cache may serve what it holds. Not retried here: the token source
            // asks IAM again on the next call, one request at a time. It escaped as an unhandled exception with a stack trace.
            return (null, new DrsError(DrsErrorCodes.IamUnavailable, $"IAM did not issue the gateway's token for this project{(ex.Status is { } status ? $" (HTTP {(int)status})" : "")}.", DrsErrorKind.Unavailable), ex);
        }
        catch (BrokenCircuitException ex)
        {
            return (null, new DrsError(DrsErrorCodes.CircuitOpen, "DRS is failing; calls are paused by the circuit breaker.", DrsErrorKind.Unavailable), ex);
        }
        catch (DrsResponseTooLargeException ex)
        {
            return (null, new DrsError(DrsErrorCodes.ResponseTooLarge, $"DRS sent an answer larger than the {ex.Limit} bytes this gateway reads (Drs:MaxResponseBytes).", DrsErrorKind.Protocol), ex);
        }
        catch (HttpRequestException ex)
        {
            // The exception (with addresses callers need not see) goes to the log, not into the error.
            return (null, new DrsError(DrsErrorCodes.UpstreamUnavailable, "DRS could not be reached.", DrsErrorKind.Unavailable), ex);
        }
        catch (IOException ex)
        {
            return (null, new DrsError(DrsErrorCodes.UpstreamUnavailable, "The connection to DRS failed.", DrsErrorKind.Unavailable), ex);
        }
    }

    /// <summary>The TotalTimeout of the caller's region, when it is another region that sets one.</summary>
    private TimeSpan? RegionTimeoutOf(DrsCaller caller) =>
        caller.Endpoint is not null && options.Value.Regions.TryGetValue(caller.Region, out var region) ? region.TotalTimeout : null;

    /// <summary>The circuit a caller's calls go through: the one of its region's endpoint (see <see cref="DrsCircuitGate"/>).</summary>
    private string CircuitKeyOf(DrsCaller caller) => DrsCircuitGate.KeyOf(caller.Endpoint ?? httpClient.BaseAddress);

    // Without it, a base address with a path ("https://host/drs") would lose its last segment.
    internal static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    /// <summary>Matches every answer to a requested ID; answers for IDs not asked for are ignored.</summary>
    private static Dictionary<string, DrsResult<T>> Merge<T>(List<string> valid, DrsClientPage<T>[] outcomes)
        where T : class
    {
        var asked = valid.ToHashSet(StringComparer.Ordinal);
        var answered = new Dictionary<string, DrsResult<T>>(StringComparer.Ordinal);
        foreach (var outcome in outcomes)
        {
            foreach (var (id, result) in outcome.Answers ?? [])
            {
                // An ID answered twice (overlapping pages) keeps its best answer.
                if (asked.Contains(id) && (!answered.TryGetValue(id, out var existing) || (!existing.IsSuccess && result.IsSuccess)))
                {
                    answered[id] = result;
                }
            }
        }

        return answered;
    }

    /// <summary>A valid ID nobody answered: its page failed, or DRS left it out.</summary>
    private static DrsResult<T> Unanswered<T>(DrsClientPage<T> outcome)
        where T : class =>
        DrsResult<T>.Failure(outcome.Failure ?? new DrsError(
            DrsErrorCodes.MissingFromResponse,
            "DRS answered the call but left this job out of its answer.",
            DrsErrorKind.Protocol,
            outcome.HttpStatus,
            outcome.RequestId));

    private static DrsResult<T> InvalidId<T>(string id)
        where T : class
    {
        // Echo a bounded prefix only: the ID is caller input and may be anything.
        var shown = id.Length > 64 ? string.Concat(id.AsSpan(0, 64), "...") : id;
        return DrsResult<T>.Failure(new DrsError(
            DrsErrorCodes.InvalidJobId,
            $"'{shown}' is not a DRS job ID (8-4-4-4-12 lower-case hex, the last group e.g. '1040402fjb21'); it was not sent to DRS.",
            DrsErrorKind.InvalidJobId));
    }
}
