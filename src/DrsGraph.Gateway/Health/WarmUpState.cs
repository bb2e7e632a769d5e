namespace DrsGraph.Gateway.Health;

/// <summary>
/// What the start-up warm-up (<see cref="StartupWarmUp"/>) did, for the readiness check: nothing yet, or
/// its outcome and how long it took. Written once by the warm-up, read by every readiness probe.
/// </summary>
public sealed class WarmUpState
{
    private volatile Result? _result;

    /// <summary>True once the warm-up has ended, whatever its outcome (completed, skipped, timed out, failed).</summary>
    public bool Done => _result is not null;

    /// <summary>The outcome word: <c>completed</c>, <c>skipped</c>, <c>timed out</c> or <c>failed</c>; null while running.</summary>
    public string? Outcome => _result?.Outcome;

    /// <summary>How long the warm-up ran; zero while running or when skipped.</summary>
    public TimeSpan Duration => _result?.Duration ?? TimeSpan.Zero;

    /// <summary>Records the warm-up's end; called once, by the warm-up.</summary>
    public void Finish(string outcome, TimeSpan duration) => _result = new Result(outcome, duration);

    private sealed record Result(string Outcome, TimeSpan Duration);
}
