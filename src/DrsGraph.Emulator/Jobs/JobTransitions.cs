using System.Globalization;

namespace DrsGraph.Emulator.Jobs;

/// <summary>Body of <c>POST /_emulator/jobs/{id}/transition</c>; every member optional, at least one of the last four given.</summary>
public sealed record TransitionRequest(string? ProjectId, string? Status, int? Progress, double? IncrementalDelaySeconds, bool? Frozen);

/// <summary>
/// Moves a job to a status and/or progress now. The history up to now is kept (create, start and update
/// times the client has seen stay true); the phases between the current status and the new one are passed
/// in no time, so every time detail shows is at or before now and the three endpoints agree at once.
/// </summary>
public static class JobTransitions
{
    /// <summary>A week: longer than any delay DRS reports for a healthy job, short enough to stay readable.</summary>
    public const double MaxDelaySeconds = 7 * 24 * 3600;

    /// <summary>Checks what can be checked without the job; null when fine.</summary>
    public static string? Validate(TransitionRequest request)
    {
        if (request.Status is null && request.Progress is null && request.IncrementalDelaySeconds is null && request.Frozen is null)
        {
            return "Give at least one of status, progress, incrementalDelaySeconds or frozen.";
        }

        if (request.Status is { } status && !JobStatuses.All.Contains(status))
        {
            return $"Unknown status {status}.";
        }

        if (request.Progress is < 0 or > 100)
        {
            return $"progress must be 0..100 (a percentage), not {request.Progress}.";
        }

        if (request.IncrementalDelaySeconds is { } delay && (double.IsNaN(delay) || delay is < 0 or > MaxDelaySeconds))
        {
            return $"incrementalDelaySeconds must be 0..{MaxDelaySeconds}.";
        }

        if (request.Status == JobStatuses.Deleted && (request.Progress is not null || request.IncrementalDelaySeconds is not null))
        {
            return "A job moved to DELETED takes no progress or incrementalDelaySeconds.";
        }

        return null;
    }

    /// <summary>The job after the transition at <paramref name="now"/>, or the reason it cannot make it.</summary>
    public static (JobDefinition? Job, string? Error) Apply(JobDefinition job, TransitionRequest request, DateTimeOffset now, int seed, double timeScale)
    {
        if (request.Status == JobStatuses.Deleted)
        {
            return (job with { Deleted = true }, null);
        }

        var thawed = Thaw(job, now);
        var current = JobLifecycle.Compute(thawed, now).Status;
        var target = request.Status ?? current;
        if (TaskModes.Refuses(job.TaskMode, target) is { } impossible)
        {
            return (null, $"Job {job.Id}: {impossible}");
        }
        if (request.IncrementalDelaySeconds is not null && target != JobStatuses.IncreTransferStarted)
        {
            return (null, $"incrementalDelaySeconds applies to a job in INCRE_TRANSFER_STARTED only; job {job.Id} would be in {target}.");
        }

        var next = thawed;
        if (target != current || request.Progress is not null)
        {
            next = Restructure(thawed, current, target, request.Progress, now, seed, timeScale) with { ExampleProgressQuirk = false };
        }

        if (request.IncrementalDelaySeconds is { } delay)
        {
            // A constant delay, so what a test sets is what every later call reads.
            next = next with { DelayBaseMs = (long)Math.Round(delay * 1000), DelayAmplitudeMs = 0 };
        }

        next = next with { FrozenAt = (request.Frozen ?? job.FrozenAt is not null) ? now : null };

        var shown = JobLifecycle.ToProgress(next, now).Progress;
        if (request.Progress is { } p && shown != p.ToString(CultureInfo.InvariantCulture))
        {
            return (null, $"A {job.TaskMode} job in {target} always reports progress {shown}; it cannot be set to {p}.");
        }

        return (next, null);
    }

    /// <summary>
    /// An unfrozen job whose state at <paramref name="now"/> is the frozen job's state: its current phase
    /// is stretched by the time it spent frozen, so it resumes where it stopped instead of jumping ahead.
    /// </summary>
    private static JobDefinition Thaw(JobDefinition job, DateTimeOffset now)
    {
        if (job.FrozenAt is not { } at || at >= now)
        {
            return job with { FrozenAt = null };
        }

        var gap = now - (at < job.Anchor ? job.Anchor : at);
        var (index, _) = Locate(job, at);
        var segments = job.Segments.ToList();
        if (segments[index].Duration != Segment.Forever)
        {
            segments[index] = segments[index] with { Duration = segments[index].Duration + gap };
        }

        var running = segments[index].Status == JobStatuses.FullTransferStarted && job.FullDuration > TimeSpan.Zero;
        return job with
        {
            FrozenAt = null,
            Segments = segments,
            FullHeadStart = job.FullHeadStart - (running ? gap / job.FullDuration : 0),
            DelayPhase = job.DelayPhase - (2 * Math.PI * gap.TotalSeconds / job.DelayPeriodSeconds),
        };
    }

    private static JobDefinition Restructure(
        JobDefinition job, string current, string target, int? progress, DateTimeOffset now, int seed, double timeScale)
    {
        var (index, start) = Locate(job, now);
        var rng = new Random(seed ^ JobFactory.StableHash(job.Id + "/" + target));
        var (plan, _) = JobPlans.Build(target, job.TaskMode, rng, timeScale);
        var k = plan.FindIndex(s => s.Status == target);
        var tail = plan.Skip(k).ToList();

        var segments = job.Segments.Take(index).ToList();
        var head = job.FullHeadStart;
        DateTimeOffset tailStart;
        if (target == current)
        {
            // Same status, new progress: it keeps the time it entered that status.
            tailStart = start;
        }
        else
        {
            segments.Add(job.Segments[index] with { Duration = now - start });

            // The phases between here and the target on the target's path, passed in no time: they set the
            // detail times (actual start, full transfer complete) a job in the target status has.
            var prefix = plan.Take(k).ToList();
            var from = prefix.FindLastIndex(s => s.Status == current);
            var bridge = prefix.Skip(from + 1).Select(s => s with { Duration = TimeSpan.Zero }).ToList();
            segments.AddRange(bridge);
            tailStart = now;
            if (bridge.Exists(s => s.Status == JobStatuses.FullTransferStarted) || target == JobStatuses.FullTransferStarted)
            {
                head = 0;
            }
        }

        var planned = tail[0].Duration;
        var fullRuns = tail[0].Status == JobStatuses.FullTransferStarted && tail.Count > 1;
        tail[0] = tail[0] with { Duration = fullRuns ? Segment.Forever : planned };
        var candidate = job with { Segments = [.. segments, .. tail], FullHeadStart = head };
        if (progress is { } p)
        {
            // Half a percent over, so the floored percentage reads exactly p at once.
            var raw = JobLifecycle.Compute(candidate with { FullHeadStart = 0 }, now).FullFraction;
            candidate = candidate with { FullHeadStart = ((p + 0.5) / 100) - raw };
        }

        var elapsed = now - tailStart;
        if (fullRuns)
        {
            // A running full phase ends when its fraction reaches 1, then the job carries on along its path.
            var fraction = JobLifecycle.Compute(candidate, now).FullFraction;
            tail[0] = tail[0] with { Duration = elapsed + (job.FullDuration * (1 - fraction)) };
        }
        else if (planned != Segment.Forever)
        {
            tail[0] = tail[0] with { Duration = elapsed + planned };
        }

        return candidate with { Segments = [.. segments, .. tail] };
    }

    /// <summary>The segment the job is in at <paramref name="t"/> and when it began (as <see cref="JobLifecycle.Compute"/> walks them).</summary>
    private static (int Index, DateTimeOffset Start) Locate(JobDefinition job, DateTimeOffset t)
    {
        var start = job.Anchor;
        for (var i = 0; i < job.Segments.Count; i++)
        {
            var segment = job.Segments[i];
            var isLast = i == job.Segments.Count - 1 || segment.Duration == Segment.Forever;
            if (isLast || t < start + segment.Duration)
            {
                return (i, start);
            }

            start += segment.Duration;
        }

        return (job.Segments.Count - 1, start);
    }
}
