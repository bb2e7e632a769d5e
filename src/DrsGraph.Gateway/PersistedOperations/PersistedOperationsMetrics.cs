using System.Diagnostics.Metrics;

namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>Counters on the <c>DrsGraph.PersistedOperations</c> meter: how often hashes and ids were found, missed, stored and refused.</summary>
public sealed class PersistedOperationsMetrics
{
    public const string MeterName = "DrsGraph.PersistedOperations";

    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _notStored;

    public PersistedOperationsMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _hits = meter.CreateCounter<long>("drsgraph.persisted.hits", "{request}", "Requests by hash or id whose document was found (tag: source = trusted|memory|redis).");
        _misses = meter.CreateCounter<long>("drsgraph.persisted.misses", "{request}", "Requests by hash or id whose document was not found (the client then sends the text).");
        _stored = meter.CreateCounter<long>("drsgraph.persisted.stored", "{document}", "Documents registered by a hash and their text.");
        _refused = meter.CreateCounter<long>("drsgraph.persisted.refused", "{request}", "Requests refused (tag: code).");
        _notStored = meter.CreateCounter<long>("drsgraph.persisted.not_stored", "{document}", "Documents sent with their hash and text that were not registered (tag: reason = too_long: longer than MaxStoredDocumentLength; quota: the caller's or address's registration quota spent).");
    }

    public void Hit(string source) => _hits.Add(1, new KeyValuePair<string, object?>("source", source));

    public void Miss() => _misses.Add(1);

    public void Stored() => _stored.Add(1);

    public void NotStored(string reason) => _notStored.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Refused(string code) => _refused.Add(1, new KeyValuePair<string, object?>("code", code));
}
