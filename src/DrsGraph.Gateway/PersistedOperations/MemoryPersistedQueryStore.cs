namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>A bounded LRU of hash to document: a client that sends a thousand different hashes cannot grow it past its bound.</summary>
public sealed class MemoryPersistedQueryStore(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<(string Hash, string Document)>> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly LinkedList<(string Hash, string Document)> _order = new();
    private readonly Lock _lock = new();

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
        lock (_lock)
        {
            if (_entries.TryGetValue(hash, out var existing))
            {
                _order.Remove(existing);
            }
            else if (_entries.Count >= capacity && _order.Last is { } oldest)
            {
                _order.RemoveLast();
                _entries.Remove(oldest.Value.Hash);
            }

            var node = new LinkedListNode<(string, string)>((hash, document));
            _order.AddFirst(node);
            _entries[hash] = node;
        }
    }
}
