using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.Subscriptions;

/// <summary>What counts as a change a subscriber can see, between two polls of a job.</summary>
public static class JobChanges
{
    /// <summary>A terminal status (JobMapper's set): the job will not change any more and drops out of the polls.</summary>
    public static bool IsTerminal(DrsResult<Fetched<JobStatusInfo>> status) => status.Value is { Value.IsTerminal: true };

    /// <summary>
    /// DRS does not know the job (not found, or deleted and gone): it may still appear, so it stays polled
    /// while anything else of its subscription is open, but it does not keep a subscription alive on its own.
    /// </summary>
    public static bool IsUnknown(DrsResult<Fetched<JobStatusInfo>> status) => status.Error is { Kind: DrsErrorKind.NotFound or DrsErrorKind.Deleted };

    /// <summary>
    /// The status fields a subscriber sees changed: another status or error, or the answer became (or stopped
    /// being) a stale fallback. A first answer is a change.
    /// </summary>
    public static bool StatusChanged(DrsResult<Fetched<JobStatusInfo>>? before, DrsResult<Fetched<JobStatusInfo>> after)
    {
        if (before is not { } previous)
        {
            return true;
        }

        return (previous.Value, after.Value) switch
        {
            ({ } a, { } b) => a.Value != b.Value || IsStale(a.Freshness) != IsStale(b.Freshness),
            (null, null) => previous.Error!.Code != after.Error!.Code || previous.Error.Kind != after.Error.Kind,
            _ => true,
        };
    }

    /// <summary>The progress a subscriber sees changed (the numbers, the phases, an error, the stale flag).</summary>
    public static bool ProgressChanged(DrsResult<Fetched<JobProgress>> before, DrsResult<Fetched<JobProgress>> after) =>
        (before.Value, after.Value) switch
        {
            ({ } a, { } b) => !Same(a.Value, b.Value) || IsStale(a.Freshness) != IsStale(b.Freshness),
            (null, null) => before.Error!.Code != after.Error!.Code,
            _ => true,
        };

    private static bool IsStale(Freshness? freshness) => freshness is { Stale: true };

    // The record's own equality compares Phases by reference: compare the list by its items.
    private static bool Same(JobProgress a, JobProgress b) =>
        a with { Phases = [] } == b with { Phases = [] } && a.Phases.SequenceEqual(b.Phases);
}
