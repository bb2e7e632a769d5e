using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DrsGraph.Gateway.PersistedOperations;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Gateway.Tests.PersistedOperations;

/// <summary>Sums one gateway's <c>DrsGraph.PersistedOperations</c> counters by instrument and tag value (source or code).</summary>
public sealed class PersistedMeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string? Tag), long> _totals = new();

    public PersistedMeterRecorder(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PersistedOperationsMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? tag = null;
            foreach (var pair in tags)
            {
                tag = pair.Value as string;
            }

            _totals.AddOrUpdate((instrument.Name, tag), value, (_, total) => total + value);
        });
        _listener.Start();
    }

    public long Total(string instrument, string? tag = null) =>
        _totals.Where(entry => entry.Key.Instrument == instrument && (tag is null || entry.Key.Tag == tag)).Sum(entry => entry.Value);

    public void Dispose() => _listener.Dispose();
}
