using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>
/// Records the long counters of one gateway's meter (the named meter from that host's own meter
/// factory, so another replica in the same test process is not counted) from its creation on.
/// </summary>
public class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public MeterRecorder(IServiceProvider services, string meterName)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var copied = new Dictionary<string, string?>(tags.Length, StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copied[tag.Key] = tag.Value?.ToString();
            }

            _measurements.Enqueue(new Measurement(instrument.Name, copied, value));
        });
        _listener.Start();
    }

    /// <summary>The sum of an instrument's measurements whose tags have the given values (a null value matches any).</summary>
    public long Total(string instrument, params (string Key, string? Value)[] tags) =>
        Sum(instrument, m => tags.All(t => t.Value is null || (m.Tags.TryGetValue(t.Key, out var value) && value == t.Value)));

    public void Dispose()
    {
        _listener.Dispose();
        GC.SuppressFinalize(this);
    }

    protected long Sum(string instrument, Func<Measurement, bool> match) =>
        _measurements.Where(m => m.Instrument == instrument && match(m)).Sum(m => m.Value);

    protected sealed record Measurement(string Instrument, IReadOnlyDictionary<string, string?> Tags, long Value);
}
