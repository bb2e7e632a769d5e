using Microsoft.Extensions.Options;

namespace DrsGraph.Emulator.Faults;

/// <summary>Holds the active faults and decides, per call, which one applies. Thread-safe.</summary>
public sealed class FaultInjector(IOptions<EmulatorOptions> options)
{
    private readonly Lock gate = new();
    private Random random = new(options.Value.Seed);
    private FaultSettings settings = new();

    public FaultSettings Current
    {
        get
        {
            lock (gate)
            {
                return settings;
            }
        }
    }

    public void Set(FaultSettings value)
    {
        lock (gate)
        {
            settings = value;
            random = new Random(options.Value.Seed);
        }
    }

    public void Clear() => Set(new FaultSettings());

    /// <summary>
    /// Decides the fault for a call to <paramref name="endpoint"/> and the latency to add. Counters win
    /// over rates, in the order hang, throttle, failure.
    /// </summary>
    public (FaultKind Kind, TimeSpan Delay, FaultSettings Settings) Decide(string endpoint)
    {
        lock (gate)
        {
            var s = settings;
            if (!s.Endpoints.Contains(endpoint))
            {
                return (FaultKind.None, TimeSpan.Zero, s);
            }

            var delay = TimeSpan.FromMilliseconds(s.LatencyMs + (s.JitterMs > 0 ? random.Next(0, s.JitterMs + 1) : 0));
            FaultKind kind;
            if (s.HangNext > 0)
            {
                settings = s with { HangNext = s.HangNext - 1 };
                kind = FaultKind.Hang;
            }
            else if (s.ThrottleNext > 0)
            {
                settings = s with { ThrottleNext = s.ThrottleNext - 1 };
                kind = FaultKind.Throttle;
            }
            else if (s.FailNext > 0)
            {
                settings = s with { FailNext = s.FailNext - 1 };
                kind = FaultKind.Failure;
            }
            else if (s.HangRate > 0 && random.NextDouble() < s.HangRate)
            {
                kind = FaultKind.Hang;
            }
            else if (s.ThrottleRate > 0 && random.NextDouble() < s.ThrottleRate)
            {
                kind = FaultKind.Throttle;
            }
            else if (s.FailureRate > 0 && random.NextDouble() < s.FailureRate)
            {
                kind = FaultKind.Failure;
            }
            else
            {
                kind = delay > TimeSpan.Zero ? FaultKind.Latency : FaultKind.None;
            }

            return (kind, delay, s);
        }
    }

    /// <summary>The status to move a listed job to when a <see cref="FaultSettings.ListMoveNext"/> is left (counting it down), else null.</summary>
    public string? TakeListMove()
    {
        lock (gate)
        {
            if (settings.ListMoveNext <= 0)
            {
                return null;
            }

            settings = settings with { ListMoveNext = settings.ListMoveNext - 1 };
            return settings.ListMoveStatus;
        }
    }
}
