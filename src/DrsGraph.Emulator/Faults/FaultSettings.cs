namespace DrsGraph.Emulator.Faults;

/// <summary>
/// Faults injected into /v3 calls. Everything off by default. Rates are probabilities per call drawn
/// from a seeded Random; the *Next counters are exact and count down per matching call.
/// </summary>
public sealed record FaultSettings
{
    /// <summary>Extra delay before every matching call is answered, in real milliseconds.</summary>
    public int LatencyMs { get; init; }

    /// <summary>Random extra delay on top of <see cref="LatencyMs"/>, 0..JitterMs.</summary>
    public int JitterMs { get; init; }

    /// <summary>Probability (0..1) that a call fails with <see cref="FailureStatus"/>/<see cref="FailureCode"/>.</summary>
    public double FailureRate { get; init; }

    /// <summary>HTTP status of an injected failure (400..599). Default 500.</summary>
    public int FailureStatus { get; init; } = 500;

    /// <summary>error_code of an injected failure. Default DRS.M00004 (service abnormal).</summary>
    public string FailureCode { get; init; } = "DRS.M00004";

    /// <summary>Probability (0..1) of a 429 APIGW.0308 answer.</summary>
    public double ThrottleRate { get; init; }

    /// <summary>Retry-After seconds on a 429. Default 1.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>Probability (0..1) that a call never answers until the client gives up.</summary>
    public double HangRate { get; init; }

    /// <summary>The next N matching calls fail.</summary>
    public int FailNext { get; init; }

    /// <summary>The next N matching calls are throttled.</summary>
    public int ThrottleNext { get; init; }

    /// <summary>The next N matching calls hang.</summary>
    public int HangNext { get; init; }

    /// <summary>
    /// The next N list calls for page 1 each move the first job of their answer to <see cref="ListMoveStatus"/> right
    /// after answering: a job changing status while a client walks the pages. DRS pages by offset over the filtered
    /// list, so when that job leaves the filter the later pages shift by one and a job that matched throughout is
    /// never seen. Independent of <see cref="Endpoints"/>.
    /// </summary>
    public int ListMoveNext { get; init; }

    /// <summary>The status <see cref="ListMoveNext"/> moves a job to. Default PAUSING.</summary>
    public string ListMoveStatus { get; init; } = "PAUSING";

    /// <summary>
    /// Endpoints the faults apply to: status, progress, detail (the batch calls), list (the job list). Default
    /// the three batch calls: the list is only faulted when named, so existing fault set-ups keep their meaning.
    /// </summary>
    public IReadOnlyList<string> Endpoints { get; init; } = ["status", "progress", "detail"];
}

/// <summary>What happens to one call.</summary>
public enum FaultKind
{
    None,
    Latency,
    Failure,
    Throttle,
    Hang,
}
