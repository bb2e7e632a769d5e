using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DrsGraph.Gateway.Caching;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Gateway.Tests.Caching;

/// <summary>Sums the <c>DrsGraph.Cache</c> counters of one gateway (its own meter factory), by instrument and tags.</summary>
public sealed class CacheMeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string? Level, string? Field, string? Operation), long> _totals = new();

    public CacheMeterRecorder(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == JobCacheMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? level = null, field = null, operation = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "level")
                {
                    level = tag.Value as string;
                }
                else if (tag.Key == "field")
                {
                    field = tag.Value as string;
                }
                else if (tag.Key == "operation")
                {
                    operation = tag.Value as string;
                }
            }

            _totals.AddOrUpdate((instrument.Name, level, field, operation), value, (_, total) => total + value);
        });
        _listener.Start();
    }

    /// <summary>The sum of an instrument's measurements, optionally for one level, field and/or operation.</summary>
    public long Total(string instrument, string? level = null, string? field = null, string? operation = null) =>
        _totals.Where(pair => pair.Key.Instrument == instrument
                && (level is null || pair.Key.Level == level)
                && (field is null || pair.Key.Field == field)
                && (operation is null || pair.Key.Operation == operation))
            .Sum(pair => pair.Value);

    public void Dispose() => _listener.Dispose();
}
