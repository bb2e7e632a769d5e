using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Caching;

/// <summary>Sums the <c>DrsGraph.Cache</c> counters of one gateway (its own meter factory), by instrument and tags.</summary>
public sealed class CacheMeterRecorder(IServiceProvider services) : MeterRecorder(services, JobCacheMetrics.MeterName)
{
    /// <summary>The sum of an instrument's measurements, optionally for one level, field and/or operation.</summary>
    public long Total(string instrument, string? level = null, string? field = null, string? operation = null) =>
        Total(instrument, ("level", level), ("field", field), ("operation", operation));
}
