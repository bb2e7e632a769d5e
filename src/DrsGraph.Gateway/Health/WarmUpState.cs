namespace DrsGraph.Gateway.Health;

/// <summary>
/// What the start-up warm-up (<see cref="StartupWarmUp"/>) did, for the readiness check: nothing yet, or
/// its outcome and how long it took. Written once by the warm-up, read by every readiness probe.
/// </summary>
public sealed class WarmUpState
{
    private volatile Result? _result;
    private volatile Load? _load;

    /// <summary>True once the warm-up has ended, whatever its outcome (completed, skipped, timed out, failed).</summary>
    public bool Done => _result is not null;

    /// <summary>The outcome word: <c>completed</c>, <c>skipped</c>, <c>timed out</c> or <c>failed</c>; null while running.</summary>
    public string? Outcome => _result?.Outcome;

    /// <summary>How long the warm-up ran; zero while running or when skipped.</summary>
    public TimeSpan Duration => _result?.Duration ?? TimeSpan.Zero;

    /// <summary>Cold requests the copy of the gateway answered before this replica started (<see cref="WarmUpCopy"/>).</summary>
    public int Requests => _load?.Requests ?? 0;

    /// <summary>
    /// Records the end of the load half (<see cref="WarmUpCopy"/>), which runs before the host starts: its outcome
    /// (<c>completed</c>, <c>timed out</c> or <c>failed</c>), the requests answered and its time.
    /// </summary>
    public void LoadFinished(string outcome, int requests, TimeSpan duration) => _load = new Load(outcome, requests, duration);

    /// <summary>
    /// Records the warm-up's end; called once, by <see cref="StartupWarmUp"/>. When this half completed, a load
    /// half that did not gives the outcome; the load half's time counts in the duration.
    /// </summary>
    public void Finish(string outcome, TimeSpan duration) => _result = _load is { } load
        ? new Result(outcome == "completed" ? load.Outcome : outcome, duration + load.Duration)
        : new Result(outcome, duration);

    private sealed record Result(string Outcome, TimeSpan Duration);

    private sealed record Load(string Outcome, int Requests, TimeSpan Duration);
}
