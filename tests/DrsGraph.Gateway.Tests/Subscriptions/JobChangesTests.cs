using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;
using DrsGraph.Gateway.Subscriptions;

namespace DrsGraph.Gateway.Tests.Subscriptions;

/// <summary>What a subscriber is told changed between two polls of a job.</summary>
public sealed class JobChangesTests
{
    private static readonly DateTime At = new(2026, 1, 15, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_first_answer_is_a_change_the_same_answer_fetched_again_is_not()
    {
        Assert.True(JobChanges.StatusChanged(null, Status(JobStatus.FullTransferStarted)));
        Assert.False(JobChanges.StatusChanged(Status(JobStatus.FullTransferStarted), Status(JobStatus.FullTransferStarted, fetchedAt: At.AddSeconds(5))));
    }

    [Fact]
    public void Another_status_an_error_or_a_stale_fallback_is_a_status_change()
    {
        var moving = Status(JobStatus.FullTransferStarted);
        Assert.True(JobChanges.StatusChanged(moving, Status(JobStatus.FullTransferComplete)));
        Assert.True(JobChanges.StatusChanged(moving, Status(JobStatus.FullTransferStarted, stale: true)));
        Assert.True(JobChanges.StatusChanged(moving, Failure<JobStatusInfo>("DRS.M00289", DrsErrorKind.NotFound)));
        Assert.False(JobChanges.StatusChanged(Failure<JobStatusInfo>("DRS.M00289", DrsErrorKind.NotFound), Failure<JobStatusInfo>("DRS.M00289", DrsErrorKind.NotFound)));
    }

    [Fact]
    public void Progress_phases_are_compared_by_their_items()
    {
        Assert.False(JobChanges.ProgressChanged(Progress(40, 10), Progress(40, 10)));
        Assert.True(JobChanges.ProgressChanged(Progress(40, 10), Progress(41, 10)));
        Assert.True(JobChanges.ProgressChanged(Progress(40, 10), Progress(40, 11)));
    }

    [Fact]
    public void Only_jobmapper_s_terminal_statuses_are_terminal()
    {
        Assert.True(JobChanges.IsTerminal(Status(JobStatus.Deleted)));
        Assert.True(JobChanges.IsTerminal(Status(JobStatus.ReleaseResourceComplete)));
        Assert.False(JobChanges.IsTerminal(Status(JobStatus.FullTransferFailed)));
        // A job DRS does not know (yet) may appear: it stays watched.
        Assert.False(JobChanges.IsTerminal(Failure<JobStatusInfo>("DRS.M00289", DrsErrorKind.NotFound)));
        // ... but it cannot keep a subscription open on its own.
        Assert.True(JobChanges.IsUnknown(Failure<JobStatusInfo>("DRS.M00289", DrsErrorKind.NotFound)));
        Assert.True(JobChanges.IsUnknown(Failure<JobStatusInfo>("DRS.M05004", DrsErrorKind.Deleted)));
        Assert.False(JobChanges.IsUnknown(Failure<JobStatusInfo>("DRSGRAPH.UPSTREAM_UNAVAILABLE", DrsErrorKind.Unavailable)));
        Assert.False(JobChanges.IsUnknown(Status(JobStatus.Deleted)));
    }

    private static DrsResult<Fetched<JobStatusInfo>> Status(JobStatus status, bool stale = false, DateTime? fetchedAt = null) =>
        DrsResult<Fetched<JobStatusInfo>>.Success(new Fetched<JobStatusInfo>(
            new JobStatusInfo(status, status.ToString(), JobMapper.PhaseOf(status), JobMapper.IsTerminal(status), JobMapper.IsFailed(status), null, null),
            new Freshness(fetchedAt ?? At, stale)));

    private static DrsResult<Fetched<JobProgress>> Progress(double percent, double structPercent) =>
        DrsResult<Fetched<JobProgress>>.Success(new Fetched<JobProgress>(
            new JobProgress(percent, JobStatus.FullTransferStarted, "FULL_TRANSFER_STARTED", TaskMode.FullIncrTrans, "FULL_INCR_TRANS", null, null, null, 60,
                [new ProgressPhase("struct", ProgressPhaseKind.Structure, structPercent, 5)], null, null),
            null));

    private static DrsResult<Fetched<T>> Failure<T>(string code, DrsErrorKind kind)
        where T : class => DrsResult<Fetched<T>>.Failure(new DrsError(code, "no", kind));
}
