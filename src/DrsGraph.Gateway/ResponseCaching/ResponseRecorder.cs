namespace DrsGraph.Gateway.ResponseCaching;

/// <summary>
/// What one operation read, for <see cref="OperationResponseCache"/>: for every job field it was answered from the
/// memory level, the change mark of its key (<see cref="Caching.JobCacheTiers.MarkOf"/>, not the entry: a kept answer
/// must not keep evicted entries alive) and the entry's freshness; or the fact that it read something else. An answer
/// built only from fresh memory entries may be replayed while none of them has been replaced or removed and all are
/// still fresh; anything else (a miss, Redis, a stale fallback, the job list) makes it unrepeatable.
/// </summary>
/// <remarks>
/// Carried by an <see cref="AsyncLocal{T}"/> from the execution hook to the job cache: the cache is a singleton
/// shared by every operation, and the DataLoaders that call it run inside the operation's own flow. Locked because
/// an operation's loaders (status, progress, detail) may be dispatched concurrently.
/// </remarks>
public sealed class ResponseRecorder
{
    private static readonly AsyncLocal<ResponseRecorder?> CurrentRecorder = new();

    private readonly List<(int Slot, long Mark)> _reads = [];
    private readonly List<(string Field, string Region, int Count)> _hits = [];
    private DateTimeOffset _freshUntil = DateTimeOffset.MaxValue;
    private bool _spoiled;

    /// <summary>The recorder of the operation running in this flow; null outside one the answer cache watches.</summary>
    public static ResponseRecorder? Current
    {
        get => CurrentRecorder.Value;
        internal set => CurrentRecorder.Value = value;
    }

    /// <summary>A job field answered by a fresh memory entry.</summary>
    public void Read(int slot, long mark, DateTimeOffset freshUntil)
    {
        lock (_reads)
        {
            _reads.Add((slot, mark));
            if (freshUntil < _freshUntil)
            {
                _freshUntil = freshUntil;
            }
        }
    }

    /// <summary>The memory hits of one batch, as the job cache counted them: replayed when the answer is served again.</summary>
    public void Counted(string field, string region, int hits)
    {
        if (hits > 0)
        {
            lock (_reads)
            {
                _hits.Add((field, region, hits));
            }
        }
    }

    /// <summary>The operation read something the answer cache cannot check later: its answer is not kept.</summary>
    public void Spoil()
    {
        lock (_reads)
        {
            _spoiled = true;
        }
    }

    /// <summary>What to keep with the answer, or null when it must not be kept (nothing read, or something unrepeatable).</summary>
    internal RecordedReads? Result()
    {
        lock (_reads)
        {
            return _spoiled || _reads.Count == 0 ? null : new RecordedReads([.. _reads], [.. _hits], _freshUntil);
        }
    }
}

/// <summary>The memory entries an answer was built from, the hits they counted, and when the first of them goes stale.</summary>
public sealed record RecordedReads((int Slot, long Mark)[] Reads, (string Field, string Region, int Count)[] Hits, DateTimeOffset FreshUntil);
