using DrsGraph.Gateway.PersistedOperations;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.PersistedOperations;

/// <summary>Sums one gateway's <c>DrsGraph.PersistedOperations</c> counters by instrument and tag value (source or code).</summary>
public sealed class PersistedMeterRecorder(IServiceProvider services) : MeterRecorder(services, PersistedOperationsMetrics.MeterName)
{
    /// <summary>The sum of an instrument's measurements, optionally only those with a tag of value <paramref name="tag"/>.</summary>
    public long Total(string instrument, string? tag = null) =>
        Sum(instrument, m => tag is null || m.Tags.Values.Contains(tag));
}
