namespace DrsGraph.Emulator.Requests;

/// <summary>Paging object of a logged call, as sent; members are null when absent or not integers.</summary>
public sealed record LoggedPageReq(int? CurPage, int? PerPage);

/// <summary>The filters of a logged list call (<c>POST /v3/{project_id}/jobs</c>), as sent; null when absent.</summary>
public sealed record LoggedListQuery(
    string? DbUseType, string? Name, string? Status, string? EngineType, string? NetType, string? EnterpriseProjectId,
    IReadOnlyDictionary<string, string>? Tags);

/// <summary>
/// One upstream call as the emulator received it. Never holds the auth token. The status code and
/// fault are filled in once the answer is decided, so a hanging call is visible while it hangs.
/// </summary>
public sealed class LoggedRequest
{
    public required long Sequence { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required string Endpoint { get; init; }
    public required string ProjectId { get; init; }
    public IReadOnlyList<string>? JobIds { get; init; }
    public LoggedPageReq? PageReq { get; init; }

    /// <summary>The list call's filters (endpoint <c>list</c> only; its <c>cur_page</c>/<c>per_page</c> are in <see cref="PageReq"/>).</summary>
    public LoggedListQuery? ListQuery { get; init; }
    public string? Language { get; init; }
    public int? StatusCode { get; set; }
    public string Fault { get; set; } = "none";
}

/// <summary>Every /v3 call received, in order; bounded to the last <see cref="Capacity"/> so long runs stay small.</summary>
public sealed class RequestLog
{
    /// <summary>How many calls are kept.</summary>
    public const int Capacity = 10_000;

    private readonly Lock gate = new();
    private readonly Queue<LoggedRequest> entries = new();
    private long sequence;

    /// <summary>Appends a call, giving it the next sequence number.</summary>
    public LoggedRequest Add(Func<long, LoggedRequest> create)
    {
        lock (gate)
        {
            var entry = create(++sequence);
            entries.Enqueue(entry);
            while (entries.Count > Capacity)
            {
                entries.Dequeue();
            }

            return entry;
        }
    }

    /// <summary>A copy of the kept calls, oldest first.</summary>
    public IReadOnlyList<LoggedRequest> Snapshot()
    {
        lock (gate)
        {
            return [.. entries];
        }
    }

    /// <summary>Forgets every call; sequence numbers restart at 1.</summary>
    public void Clear()
    {
        lock (gate)
        {
            entries.Clear();
            sequence = 0;
        }
    }
}
