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

/// <summary>
/// At most a number of log lines a second for a fault a client can cause at will (a refused request), and the count of
/// those not logged, for the next line to say.
/// </summary>
public sealed class LineBudget(int linesPerSecond)
{
    private readonly Lock _gate = new();
    private long _windowStart; // Environment.TickCount64 of the current second's first line
    private int _lines;
    private long _unlogged;

    /// <summary>True when a line may be written now; <paramref name="unlogged"/> is how many were not since the last one.</summary>
    public bool TryTake(out long unlogged)
    {
        var now = Environment.TickCount64;
        lock (_gate)
        {
            if (now - _windowStart >= 1000)
            {
                _windowStart = now;
                _lines = 0;
            }

            if (_lines >= linesPerSecond)
            {
                _unlogged++;
                unlogged = 0;
                return false;
            }

            _lines++;
            unlogged = _unlogged;
            _unlogged = 0;
            return true;
        }
    }
}
