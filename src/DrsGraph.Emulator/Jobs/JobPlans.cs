namespace DrsGraph.Emulator.Jobs;

/// <summary>Builds a job's planned life (its segments) for a status it should pass through or end in.</summary>
public static class JobPlans
{
    /// <summary>
    /// A plan for a job of <paramref name="taskMode"/> whose life includes <paramref name="status"/>:
    /// the normal path when the status is on it, otherwise the normal path up to where that status
    /// happens (failure, pause, stop...) and then that status.
    /// </summary>
    public static (List<Segment> Segments, TimeSpan FullDuration) Build(string status, string taskMode, Random rng, double timeScale)
    {
        TimeSpan D(int minSeconds, int maxSeconds) => TimeSpan.FromSeconds(rng.Next(minSeconds, maxSeconds + 1) * timeScale);

        var full = D(60, 300);
        var waits = status == JobStatuses.WaitingForStart;
        var segments = new List<Segment>
        {
            new(JobStatuses.Creating, D(20, 60)),
        };

        if (status == JobStatuses.CreateFailed)
        {
            segments.Add(new(JobStatuses.CreateFailed, Segment.Forever));
            return (segments, full);
        }

        segments.Add(new(JobStatuses.Configuration, D(30, 120)));
        if (waits)
        {
            segments.Add(new(JobStatuses.WaitingForStart, D(30, 180)));
        }

        segments.Add(new(JobStatuses.StartJobing, D(20, 90)));
        if (status == JobStatuses.StartJobFailed)
        {
            segments.Add(new(JobStatuses.StartJobFailed, Segment.Forever));
            return (segments, full);
        }

        var hasFull = taskMode != TaskModes.Incremental;
        var hasIncr = taskMode != TaskModes.Full;
        if (hasFull)
        {
            if (status == JobStatuses.FullTransferFailed || (status == JobStatuses.Pausing && !hasIncr))
            {
                // Stops part-way through the full phase.
                segments.Add(new(JobStatuses.FullTransferStarted, full * (0.2 + (rng.NextDouble() * 0.7))));
                segments.Add(new(status, Segment.Forever));
                return (segments, full);
            }

            segments.Add(new(JobStatuses.FullTransferStarted, full));
            segments.Add(new(JobStatuses.FullTransferComplete, hasIncr ? D(10, 60) : Segment.Forever));
        }

        if (hasIncr)
        {
            segments.Add(new(JobStatuses.IncreTransferStarted, Segment.Forever));
        }

        if (IsOnPath(segments, status) && status != JobStatuses.Deleted)
        {
            return (segments, full);
        }

        // Off the normal path: the last (endless) phase runs for a while, then the job leaves it.
        var last = segments[^1];
        segments[^1] = last with { Duration = D(120, 600) };
        if (status is JobStatuses.ReleaseResourceStarted or JobStatuses.ReleaseResourceComplete)
        {
            segments.Add(new(JobStatuses.ReleaseResourceStarted, D(15, 60)));
            segments.Add(new(JobStatuses.ReleaseResourceComplete, Segment.Forever));
        }
        else if (status is JobStatuses.ReleaseResourceFailed)
        {
            segments.Add(new(JobStatuses.ReleaseResourceStarted, D(15, 60)));
            segments.Add(new(JobStatuses.ReleaseResourceFailed, Segment.Forever));
        }
        else
        {
            segments.Add(new(status, Segment.Forever));
        }

        return (segments, full);
    }

    /// <summary>Time from the start of the plan to the first moment in <paramref name="status"/>.</summary>
    public static TimeSpan OffsetOf(IReadOnlyList<Segment> segments, string status)
    {
        var offset = TimeSpan.Zero;
        foreach (var s in segments)
        {
            if (s.Status == status)
            {
                return offset;
            }

            offset += s.Duration;
        }

        throw new ArgumentException($"Status {status} is not on the plan.", nameof(status));
    }

    private static bool IsOnPath(List<Segment> segments, string status) => segments.Exists(s => s.Status == status);
}
