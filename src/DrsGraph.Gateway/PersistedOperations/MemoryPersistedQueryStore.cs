namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>
/// A bounded LRU of hash to document, bounded both in entries and in bytes: a client that registers a thousand
/// different documents cannot grow it past either bound (a count alone let 10 000 documents of 64 K characters hold
/// 1.3 GB). A document larger than the whole byte budget is not kept.
/// </summary>
public sealed class MemoryPersistedQueryStore(int capacity, long maxBytes)
{
    // The node, the tuple's two references, the dictionary entry and two string headers, roughly.
    private const int EntryOverhead = 160;

    private readonly Dictionary<string, LinkedListNode<(string Hash, string Document)>> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly LinkedList<(string Hash, string Document)> _order = new();
    private readonly Lock _lock = new();
    private long _bytes;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public bool TryGet(string hash, out string document)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(hash, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                document = node.Value.Document;
                return true;
            }
        }

        document = "";
        return false;
    }

    public void Set(string hash, string document)
    {
        var size = SizeOf(hash, document);
        if (size > maxBytes)
        {
            return;
        }

        lock (_lock)
        {
            if (_entries.Remove(hash, out var existing))
            {
                _order.Remove(existing);
                _bytes -= SizeOf(existing.Value.Hash, existing.Value.Document);
            }

            while ((_entries.Count >= capacity || _bytes + size > maxBytes) && _order.Last is { } oldest)
            {
                _order.RemoveLast();
                _entries.Remove(oldest.Value.Hash);
                _bytes -= SizeOf(oldest.Value.Hash, oldest.Value.Document);
            }

            var node = new LinkedListNode<(string, string)>((hash, document));
            _order.AddFirst(node);
            _entries[hash] = node;
            _bytes += size;
        }
    }

    private static long SizeOf(string hash, string document) => EntryOverhead + (2L * (hash.Length + document.Length));
}
