using System.Diagnostics;
using System.Text;
using BitFaster.Caching;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Callers;
using GraphQL;
using GraphQL.DI;
using GraphQL.Transport;
using GraphQLParser;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.ResponseCaching;

/// <summary>
/// The answer cache: whole GraphQL answers, as the bytes first sent, per caller and request, so a poll repeated while
/// its jobs are still fresh in memory is answered without executing it again (<c>Gateway:Cache:MaxResponseMegabytes</c>).
/// </summary>
/// <remarks>
/// <para>
/// It answers what execution would, within every TTL. An answer is kept only when it was built from the job cache's
/// memory level alone (every job field a fresh memory hit, recorded by <see cref="ResponseRecorder"/>), executed
/// without an error, and is a query. It is replayed only while nothing has been stored or removed in memory for any
/// of those job fields since they were read and all are still fresh: a TTL that passes, or a subscription poll or a
/// job list that stores a newer answer, sends the next request through execution. Since execution reads only those
/// entries (anything else, such as the job list with its time-stamped cursors, spoils the recording), the same
/// request from the same caller would produce the same bytes. One difference is allowed: an entry the memory level
/// evicts meanwhile does not end the answer (execution would ask DRS again); its value is still within its TTL, as
/// a hit on it would have been.
/// </para>
/// <para>
/// The key is exact, not a hash: the request as sent (a POST's body, a GET's query string), its method, and the
/// headers that decide the caller (<c>Authorization</c>, <c>X-Auth-Token</c>, <c>X-Project-Id</c>, <c>X-Language</c>,
/// <c>X-Drs-Region</c>). So an answer is only ever replayed to the headers it was built for, and whatever the cache
/// partition, a token never reads another token's answer. It runs inside the executer's hooks, after the document
/// limits, the rate limiter's charge and the operation telemetry, so a replayed answer is charged, counted and
/// traced as an executed one; the job cache's hit counters count its job fields as the lookups would have.
/// </para>
/// <para>
/// Bounded in bytes: at most <c>MaxResponseMegabytes</c> / <c>MaxResponseKilobytes</c> answers, each (key and parsed
/// request included) at most <c>MaxResponseKilobytes</c>. Once full, W-TinyLFU keeps the answers asked for most, like the memory level.
/// </para>
/// </remarks>
public sealed class OperationResponseCache : IDisposable
{
    private static readonly string[] CallerHeaderNames =
    [
        "Authorization",
        CallerContextBuilder.AuthTokenHeader,
        CallerContextBuilder.ProjectIdHeader,
        CallerContextBuilder.LanguageHeader,
        CallerContextBuilder.RegionHeader,
    ];

    private readonly CachingJobDataSource _jobs;
    private readonly JobCacheMetrics _metrics;
    private readonly IHttpContextAccessor _accessor;
    private readonly ICache<string, CachedAnswer> _answers;
    private readonly long _maxEntryBytes;

    // clock: the job cache's own (JobCacheExtensions.ClockKey), on which its entries' freshness is read.
    public OperationResponseCache(
        CachingJobDataSource jobs,
        JobCacheMetrics metrics,
        IHttpContextAccessor accessor,
        IOptions<JobCacheOptions> options,
        [FromKeyedServices(JobCacheExtensions.ClockKey)] TimeProvider clock)
    {
        _jobs = jobs;
        _metrics = metrics;
        _accessor = accessor;
        var settings = options.Value;
        Enabled = settings.MaxResponseMegabytes > 0;
        _maxEntryBytes = settings.MaxResponseKilobytes * 1024L;
        // Validation keeps it at three or more when on; off, the cache is never used and holds three places for nothing.
        var capacity = (int)Math.Max(3, settings.MaxResponseMegabytes * 1024L / settings.MaxResponseKilobytes);
        // An answer leaves once the first job field it was built from is no longer fresh: it can never be replayed after.
        _answers = MemoryLevel.Create<string, CachedAnswer>(capacity, clock, static answer => answer.Reads.FreshUntil, StringComparer.Ordinal);
    }

    /// <summary>False when <c>Gateway:Cache:MaxResponseMegabytes</c> is 0: nothing is kept or replayed.</summary>
    public bool Enabled { get; }

    /// <summary>
    /// Starts watching a request whose one operation is answered as one JSON body: its key, and the answer kept for it
    /// if any (checked by the hook; its document shape spares the limits a walk of the document meanwhile). Null for a
    /// request too large to be part of a kept answer's key: its answer could never be kept.
    /// </summary>
    public ResponseCacheRequest? Begin(bool isGet, IHeaderDictionary callerHeaders, byte[] request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Length * 2L > _maxEntryBytes)
        {
            return null;
        }

        var key = KeyOf(isGet, callerHeaders, request);
        return new ResponseCacheRequest(key) { Kept = _answers.TryGet(key, out var kept) ? kept : null };
    }

    /// <summary>
    /// The key of a request whose one operation is answered as one JSON body: its method, the caller's headers and
    /// the request as sent (<paramref name="request"/>: a POST's body as UTF-8, or a GET's query string), each after a
    /// line break. Built in place: every request that may be answered from here makes one.
    /// </summary>
    private static string KeyOf(bool isGet, IHeaderDictionary callerHeaders, byte[] request)
    {
        ArgumentNullException.ThrowIfNull(callerHeaders);
        var method = isGet ? "GET" : "POST";
        var values = new string[CallerHeaderNames.Length];
        var length = method.Length + 1 + Encoding.UTF8.GetCharCount(request);
        for (var i = 0; i < values.Length; i++)
        {
            // A header value holds no line break (RFC 9110), so '\n' cannot be forged into one part from another.
            values[i] = callerHeaders[CallerHeaderNames[i]].ToString();
            length += 1 + values[i].Length;
        }

        return string.Create(length, (method, values, request), static (key, parts) =>
        {
            parts.method.CopyTo(key);
            var at = parts.method.Length;
            foreach (var value in parts.values)
            {
                key[at++] = '\n';
                value.CopyTo(key[at..]);
                at += value.Length;
            }

            key[at++] = '\n';
            Encoding.UTF8.GetChars(parts.request, key[at..]);
        });
    }

    /// <summary>
    /// The execution hook: replays a kept answer whose job fields are unchanged and fresh, else executes and
    /// marks a query answered from fresh memory entries alone for <see cref="Keep"/>.
    /// </summary>
    public async Task<ExecutionResult> ExecuteAsync(ExecutionOptions options, ExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(next);
        // The endpoint sets the request only while the cache is on.
        if (_accessor.HttpContext?.Features.Get<ResponseCacheRequest>() is not { } request
            || options.UserContext is not GatewayUserContext { Caller.Problem: null } user)
        {
            return await next(options);
        }

        if (request.KeptFor(options.Query) is { } kept && _jobs.StillAnswers(kept.Reads))
        {
            _metrics.ResponseHit();
            // The operation's span (GraphQLOperationTelemetry, outside this hook) says why it has no DataLoader spans below it.
            Activity.Current?.SetTag("drsgraph.cache.response", "hit");
            return new CachedExecutionResult(kept.Body) { Executed = true, Operation = options.Document?.OperationWithName(options.OperationName) };
        }

        _metrics.ResponseMiss();
        // Set in this method's own flow: the loaders below see it, the caller's flow does not.
        var recorder = ResponseRecorder.Current = new ResponseRecorder();
        var result = await next(options);
        if (result.Executed
            && result.Errors is not { Count: > 0 }
            && result.Operation?.Operation == OperationType.Query
            && recorder.Result() is { } recorded)
        {
            // A caller whose credentials expire (a service identity's token) is not answered past that moment.
            request.Candidate = new ResponseCandidate(
                result,
                options.Query,
                user.Caller.ValidUntil is { } validUntil && validUntil < recorded.FreshUntil ? recorded with { FreshUntil = validUntil } : recorded);
        }

        return result;
    }

    /// <summary>Keeps the answer just serialized for <paramref name="result"/>, if the hook marked it and it fits.</summary>
    public void Keep(ResponseCacheRequest request, ExecutionResult result, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Candidate is not { } candidate
            || !ReferenceEquals(candidate.Result, result)
            || body.Length + ((request.Key.Length + (candidate.Document?.Length ?? 0)) * 2L) + RequestFootprint.BytesOf(request.Request, candidate.Document) > _maxEntryBytes)
        {
            return;
        }

        _answers.AddOrUpdate(request.Key, new CachedAnswer(body.ToArray(), candidate.Document, candidate.Reads)
        {
            ResultFields = request.ResultFields,
            JobIds = request.JobIds,
            Request = request.Request,
        });
    }

    public void Dispose() => _answers.Clear();
}

/// <summary>
/// Set by the HTTP endpoint on a request whose one operation is answered as one JSON body (not a batch, a stream or
/// a socket): the only answers <see cref="OperationResponseCache"/> keeps and replays.
/// </summary>
public sealed class ResponseCacheRequest(string key)
{
    public string Key { get; } = key;

    /// <summary>The answer kept for this key when the request arrived (not yet checked against the job cache).</summary>
    internal CachedAnswer? Kept { get; init; }

    /// <summary>The result-size estimate of the operation, as the document limits measured or reused it.</summary>
    internal double? ResultFields { get; private set; }

    /// <summary>The job IDs the operation names, as the rate limiter's charge counted or reused them.</summary>
    internal double? JobIds { get; private set; }

    /// <summary>
    /// The result-size estimate (<see cref="Limits.DocumentShape.EstimateResultFields"/>) of <paramref name="document"/>
    /// for this request: the kept answer's when it answered the same document, else <paramref name="measure"/>'s.
    /// </summary>
    public double ResultFieldsOf(string? document, Func<double> measure)
    {
        ArgumentNullException.ThrowIfNull(measure);
        ResultFields = KeptFor(document)?.ResultFields ?? measure();
        return ResultFields.Value;
    }

    /// <summary>The job IDs (<see cref="Limits.DocumentShape.CountJobIds"/>) <paramref name="document"/> names for this request, likewise.</summary>
    public double JobIdsOf(string? document, Func<double> measure)
    {
        ArgumentNullException.ThrowIfNull(measure);
        JobIds = KeptFor(document)?.JobIds ?? measure();
        return JobIds.Value;
    }

    /// <summary>
    /// The answer kept for this key if it answered <paramref name="document"/>: a persisted operation's request names its
    /// document by ID, and what the ID names may be reloaded.
    /// </summary>
    internal CachedAnswer? KeptFor(string? document) =>
        Kept is { } kept && string.Equals(kept.Document, document, StringComparison.Ordinal) ? kept : null;

    /// <summary>Set by the hook when the operation's answer may be kept.</summary>
    internal ResponseCandidate? Candidate { get; set; }

    /// <summary>The request as the endpoint parsed it from the key's bytes: kept with the answer (see <see cref="CachedAnswer.Request"/>).</summary>
    internal GraphQLRequest? Request { get; set; }
}

/// <summary>
/// A kept answer: its bytes, the document it answered, what it read of the memory level (change marks and freshness),
/// and what the limits measured of its document (the same request has the same document, operation and variables, so the same measures).
/// </summary>
public sealed record CachedAnswer(byte[] Body, string? Document, RecordedReads Reads)
{
    public double? ResultFields { get; init; }

    public double? JobIds { get; init; }

    /// <summary>
    /// The request parsed from the key's bytes when the answer was kept. The same bytes parse to the same request, so
    /// the endpoint uses this one instead of parsing them again (its query text, variables and extensions are read,
    /// never changed); it is used whether or not the answer is replayed.
    /// </summary>
    public GraphQLRequest? Request { get; init; }
}

/// <summary>An answer the hook found keepable, and what it was built from.</summary>
internal sealed record ResponseCandidate(ExecutionResult Result, string? Document, RecordedReads Reads);

/// <summary>A kept answer, replayed: the endpoint writes its bytes as they were first sent.</summary>
public sealed class CachedExecutionResult(byte[] body) : ExecutionResult
{
    public ReadOnlyMemory<byte> Body { get; } = body;
}
