using System.Globalization;
using DrsGraph.Emulator.Drs;

namespace DrsGraph.Emulator.Jobs;

/// <summary>A job as seen at one instant.</summary>
public sealed record JobState(
    string Status,
    DateTimeOffset Now,
    DateTimeOffset CreateTime,
    DateTimeOffset UpdateTime,
    DateTimeOffset? ActualStartTime,
    DateTimeOffset? FullTransferCompleteTime,
    DateTimeOffset? IncrementalStart,
    DateTimeOffset? IncrementalEnd,
    double FullFraction,
    TimeSpan ElapsedInStatus);

/// <summary>The pure function (job definition, now) -> state, and the wire items built from it.</summary>
public static class JobLifecycle
{
    // Phase split of the full transfer: structure first, then data, then indexes (as DRS reports them).
    private const double StructEnd = 0.10;
    private const double DataEnd = 0.85;

    public static JobState Compute(JobDefinition job, DateTimeOffset now)
    {
        var t = job.FrozenAt ?? now;
        if (t < job.Anchor)
        {
            t = job.Anchor;
        }

        DateTimeOffset? actualStart = null, fullComplete = null, incrStart = null, incrEnd = null;
        var fullStart = (DateTimeOffset?)null;
        var start = job.Anchor;
        var current = job.Segments[^1];
        for (var i = 0; i < job.Segments.Count; i++)
        {
            var segment = job.Segments[i];
            if (segment.Status == JobStatuses.StartJobing)
            {
                actualStart ??= start;
            }
            else if (segment.Status == JobStatuses.FullTransferStarted)
            {
                actualStart ??= start;
                fullStart = start;

                // A full phase started again (a transition moved the job back) has not completed yet.
                fullComplete = null;
            }
            else if (segment.Status == JobStatuses.FullTransferComplete)
            {
                fullComplete = start;
            }
            else if (segment.Status == JobStatuses.IncreTransferStarted)
            {
                actualStart ??= start;
                incrStart = start;
            }

            var isLast = i == job.Segments.Count - 1 || segment.Duration == Segment.Forever;
            var end = isLast ? DateTimeOffset.MaxValue : start + segment.Duration;
            if (t < end)
            {
                current = segment;
                break;
            }

            if (segment.Status == JobStatuses.IncreTransferStarted)
            {
                incrEnd = end;
            }

            start = end;
        }

        double fullFraction = 0;
        if (fullStart is { } fs && job.FullDuration > TimeSpan.Zero)
        {
            var fullEnd = current.Status == JobStatuses.FullTransferStarted ? t : start;
            fullFraction = Math.Clamp(((fullEnd - fs) / job.FullDuration) + job.FullHeadStart, 0, 1);
            if (fullComplete is not null && fullComplete <= t)
            {
                fullFraction = 1;
            }
        }

        if (job.TaskMode == TaskModes.Incremental)
        {
            fullFraction = 1;
        }

        return new JobState(
            current.Status, t, job.Anchor, start,
            actualStart <= t ? actualStart : null,
            fullComplete <= t ? fullComplete : null,
            incrStart <= t ? incrStart : null,
            incrEnd,
            fullFraction,
            t - start);
    }

    public static StatusItem ToStatus(JobDefinition job, DateTimeOffset now)
    {
        if (job.Deleted)
        {
            return new StatusItem(job.Id, JobStatuses.Deleted);
        }

        // A failed job's status item says why, as its detail does (the SDKs' status item has error_code and error_message;
        // the page's example shows a failed job without them, and its example jobs answer as it shows).
        var status = Compute(job, now).Status;
        var (code, reason) = job.FromApiPage ? (null, null) : Failure(status);
        return new StatusItem(job.Id, status, code, reason);
    }

    public static ProgressItem ToProgress(JobDefinition job, DateTimeOffset now)
    {
        var s = Compute(job, now);
        var full = job.FullDuration;
        string progress, remaining = "0";
        string? delay = "-1", delayMs = "-1", processTime = "0";
        IReadOnlyDictionary<string, PhaseProgress>? map = null;

        switch (s.Status)
        {
            case JobStatuses.Creating or JobStatuses.Configuration or JobStatuses.StartJobing or JobStatuses.WaitingForStart:
                progress = "0";
                remaining = Seconds(full);
                break;
            case JobStatuses.CreateFailed or JobStatuses.StartJobFailed:
                // Nothing is running, so nothing remains.
                progress = "0";
                break;
            case JobStatuses.FullTransferStarted:
                progress = Percent(Math.Min(s.FullFraction, 0.99));
                remaining = Seconds(full * (1 - s.FullFraction));
                map = PhaseMap(s.FullFraction, full, running: true);
                break;
            case JobStatuses.FullTransferFailed:
                progress = Percent(Math.Min(s.FullFraction, 0.99));
                map = PhaseMap(s.FullFraction, full, running: false);
                break;
            case JobStatuses.FullTransferComplete when job.ExampleProgressQuirk:
                // The API page's own example: a completed full phase reported as "0" with structures at 94%.
                progress = "0";
                map = new Dictionary<string, PhaseProgress>
                {
                    ["struct"] = new("94%", null),
                    ["data"] = new("100%", null),
                    ["index"] = new("100%", null),
                };
                break;
            case JobStatuses.FullTransferComplete:
                progress = "100";
                map = job.TaskMode == TaskModes.Incremental ? null : PhaseMap(1, full, running: false);
                break;
            case JobStatuses.IncreTransferStarted:
                {
                    progress = "100";
                    var d = DelayMillis(job, s.Now);
                    delay = (d / 1000).ToString(CultureInfo.InvariantCulture);
                    delayMs = d.ToString(CultureInfo.InvariantCulture);
                    processTime = EpochMs(s.Now - TimeSpan.FromMilliseconds(d));
                    break;
                }

            default:
                {
                    // Paused, failed or stopped after (or during) the transfer: the last known position stays.
                    progress = s.FullFraction >= 1 ? "100" : Percent(Math.Min(s.FullFraction, 0.99));
                    if (s.IncrementalEnd is { } stopped)
                    {
                        var d = DelayMillis(job, stopped);
                        processTime = EpochMs(stopped - TimeSpan.FromMilliseconds(d));
                    }

                    break;
                }
        }

        // A failed job's progress says why too (error_code, error_msg); the page's examples answer as the pages show.
        var (failureCode, failureReason) = job.FromApiPage ? (null, null) : Failure(s.Status);
        return new ProgressItem
        {
            JobId = job.Id,
            ErrorCode = failureCode,
            ErrorMsg = failureReason,
            Progress = progress,
            IncreTransDelay = delay,
            IncreTransDelayMillis = delayMs,
            TaskMode = job.TaskMode,
            TransferStatus = s.Status,
            ProcessTime = processTime,
            RemainingTime = remaining,
            ProgressMap = map,
        };
    }

    public static DetailItem ToDetail(JobDefinition job, DateTimeOffset now)
    {
        var s = Compute(job, now);
        var (code, reason) = Failure(s.Status);
        var p = job.Profile;
        return p with
        {
            Id = job.Id,
            ParentId = job.ParentId,
            Name = job.Name,
            Status = s.Status,
            CreateTime = EpochMs(s.CreateTime),
            TaskType = job.TaskMode,
            ActualStartTime = s.ActualStartTime is { } a ? EpochMs(a) : null,
            FullTransferCompleteTime = s.FullTransferCompleteTime is { } f ? EpochMs(f) : null,
            UpdateTime = EpochMs(s.UpdateTime),
            ErrorCode = code,
            ErrorMessage = job.FromApiPage ? null : reason,
            FailedReason = reason,
            InstInfo = p.InstInfo is null ? null : p.InstInfo with
            {
                Status = s.Status is JobStatuses.Creating or JobStatuses.CreateFailed or JobStatuses.ReleaseResourceComplete ? null : p.InstInfo.Status,
            },
        };
    }

    public static string EpochMs(DateTimeOffset t) => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static (string? Code, string? Reason) Failure(string status) => status switch
    {
        JobStatuses.CreateFailed => ("DRS.M03002", "Failed to create the replication instance: insufficient resources in the AZ."),
        JobStatuses.StartJobFailed => ("DRS.M03017", "Failed to start the task: the source database cannot be connected."),
        JobStatuses.FullTransferFailed => ("DRS.M03055", "Full migration failed: the target database disk is full."),
        JobStatuses.IncreTransferFailed => ("DRS.M03098", "Incremental migration failed: the source binlog was purged before it was read."),
        JobStatuses.ReleaseResourceFailed => ("DRS.M03120", "Failed to release the replication instance."),
        _ => (null, null),
    };

    private static long DelayMillis(JobDefinition job, DateTimeOffset t)
    {
        // Relative to the anchor, so the sine's argument stays small and precise.
        var wave = (1 + Math.Sin((2 * Math.PI * (t - job.Anchor).TotalSeconds / job.DelayPeriodSeconds) + job.DelayPhase)) / 2;
        return job.DelayBaseMs + (long)(job.DelayAmplitudeMs * wave);
    }

    private static Dictionary<string, PhaseProgress> PhaseMap(double f, TimeSpan full, bool running) => new()
    {
        ["struct"] = Phase(f, 0, StructEnd, full, running),
        ["data"] = Phase(f, StructEnd, DataEnd, full, running),
        ["index"] = Phase(f, DataEnd, 1, full, running),
    };

    private static PhaseProgress Phase(double f, double from, double to, TimeSpan full, bool running)
    {
        var done = Math.Clamp((f - from) / (to - from), 0, 1);
        var active = running && f >= from && f < to;
        return new PhaseProgress(Percent(done) + "%", active ? Seconds(full * (to - f)) : null);
    }

    private static string Percent(double fraction) =>
        ((int)Math.Floor(fraction * 100)).ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan t) =>
        ((long)Math.Ceiling(Math.Max(0, t.TotalSeconds))).ToString(CultureInfo.InvariantCulture);
}
