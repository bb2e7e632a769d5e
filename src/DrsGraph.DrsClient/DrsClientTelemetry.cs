using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DrsGraph.DrsClient;

/// <summary>
/// Traces and metrics of <see cref="DrsClient"/>. A host subscribes with
/// <c>AddSource(DrsClientTelemetry.SourceName)</c> and <c>AddMeter(DrsClientTelemetry.MeterName)</c>;
/// without a listener every call here costs next to nothing.
/// </summary>
/// <remarks>
/// Static, as is usual for a library's instrumentation: the client has no say in how the host wires
/// OpenTelemetry. Nothing recorded here takes the caller's token; the project ID is kept because it
/// is what an operator needs to find a tenant's calls, and DRS puts it in the URL anyway.
/// </remarks>
public static class DrsClientTelemetry
{
    public const string SourceName = "DrsGraph.DrsClient";
    public const string MeterName = "DrsGraph.DrsClient";

    private static readonly ActivitySource Source = new(SourceName);
    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Calls = Meter.CreateCounter<long>(
        "drsgraph.upstream.calls", "{call}", "DRS batch calls (one per chunk and page, after retries), by endpoint, region and outcome.");

    /// <summary>
    /// Bucket bounds in seconds for duration histograms (this client's calls, the gateway's operations), from an answer in
    /// 1 ms to a call's or a request's whole budget (8-10 s), as OpenTelemetry's semantic conventions give HTTP durations:
    /// the SDK's default bounds are made for milliseconds (0, 5, 10, 25, ...) and put every duration in one bucket.
    /// </summary>
    public static readonly InstrumentAdvice<double> SecondsAdvice = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30],
    };

    private static readonly Histogram<double> CallDuration = Meter.CreateHistogram(
        "drsgraph.upstream.duration", "s", "Time of one DRS batch call including its retries, by endpoint, region and outcome.", tags: null, advice: SecondsAdvice);

    private static readonly Histogram<int> BatchIds = Meter.CreateHistogram<int>(
        "drsgraph.upstream.batch.ids", "{id}", "Distinct valid job IDs one client batch sent to DRS, by endpoint and region.");

    /// <summary>Span of one client batch: every chunk and page of one <c>Get*Async</c> call.</summary>
    public static Activity? StartBatch(string endpoint, string region, int ids, int calls)
    {
        BatchIds.Record(ids, new KeyValuePair<string, object?>("drs.endpoint", endpoint), new KeyValuePair<string, object?>("drs.region", region));
        var activity = Source.StartActivity($"DRS {endpoint} batch");
        activity?.SetTag("drs.endpoint", endpoint);
        activity?.SetTag("drs.region", region);
        activity?.SetTag("drs.batch.ids", ids);
        activity?.SetTag("drs.batch.calls", calls);
        return activity;
    }

    /// <summary>Span of one HTTP call (a chunk or page); the resilience pipeline's attempts are its children.</summary>
    public static Activity? StartCall(string endpoint, string region, string projectId, int ids)
    {
        var activity = Source.StartActivity($"DRS {endpoint}", ActivityKind.Client);
        activity?.SetTag("drs.endpoint", endpoint);
        activity?.SetTag("drs.region", region);
        activity?.SetTag("drs.project_id", projectId);
        activity?.SetTag("drs.call.ids", ids);
        return activity;
    }

    /// <summary>Records how a call ended: outcome, HTTP status and DRS's request ID (for support tickets).</summary>
    internal static void CallEnded<T>(Activity? activity, string endpoint, string region, DrsClientPage<T> outcome, double elapsedMs)
        where T : class
    {
        var result = outcome.Failure is { } failure ? OutcomeOf(failure.Kind) : "success";
        // The region is a configured name: few, stable label values.
        var tags = new TagList { { "drs.endpoint", endpoint }, { "drs.region", region }, { "outcome", result } };
        Calls.Add(1, tags);
        CallDuration.Record(elapsedMs / 1000, tags);
        if (activity is null)
        {
            return;
        }

        activity.SetTag("outcome", result);
        activity.SetTag("http.response.status_code", outcome.Failure?.HttpStatus ?? outcome.HttpStatus);
        activity.SetTag("drs.request_id", outcome.Failure?.RequestId ?? outcome.RequestId);
        if (outcome.Failure is { } error)
        {
            activity.SetTag("error.type", error.Code);
            activity.SetStatus(ActivityStatusCode.Error, error.Kind.ToString());
        }
    }

    // Lower-case, fixed set: metric label values must stay few and stable.
    private static string OutcomeOf(DrsErrorKind kind) => kind switch
    {
        DrsErrorKind.Unauthorized => "unauthorized",
        DrsErrorKind.Forbidden => "forbidden",
        DrsErrorKind.Throttled => "throttled",
        DrsErrorKind.Timeout => "timeout",
        DrsErrorKind.Unavailable => "unavailable",
        DrsErrorKind.Protocol => "protocol_error",
        _ => "bad_request",
    };
}
