namespace DrsGraph.Gateway.Observability;

/// <summary>
/// At most one log line per period for a fault that can repeat at request rate (entries Redis holds that are not served,
/// messages on a channel that are not ours): the first is logged, the rest until the period has passed are not.
/// </summary>
public sealed class LogThrottle(TimeSpan period)
{
    private readonly long _periodMilliseconds = (long)period.TotalMilliseconds;

    // When a line was last allowed (Environment.TickCount64; paces logging, decides nothing else); 0: never.
    private long _loggedAt;

    /// <summary>True for the first call, and then once the period has passed since the last true.</summary>
    public bool MayLog()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _loggedAt);
        return (last == 0 || now - last >= _periodMilliseconds) && Interlocked.CompareExchange(ref _loggedAt, now, last) == last;
    }
}
