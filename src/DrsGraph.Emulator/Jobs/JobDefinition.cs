using DrsGraph.Emulator.Drs;

namespace DrsGraph.Emulator.Jobs;

/// <summary>One phase of a job's life; the last one of a plan lasts forever (<see cref="Forever"/>).</summary>
public sealed record Segment(string Status, TimeSpan Duration)
{
    public static readonly TimeSpan Forever = TimeSpan.MaxValue;
}

/// <summary>
/// Everything that defines a job. Its state at any instant is computed from this alone
/// (<see cref="JobLifecycle.Compute"/>), which keeps the three endpoints consistent.
/// </summary>
public sealed record JobDefinition
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required string Name { get; init; }
    public required string TaskMode { get; init; }

    /// <summary>When the first segment begins; also the job's <c>create_time</c>.</summary>
    public required DateTimeOffset Anchor { get; init; }

    /// <summary>The planned life: statuses in order with their durations.</summary>
    public required IReadOnlyList<Segment> Segments { get; init; }

    /// <summary>Nominal length of the whole full-transfer phase, so a failed full phase stops part-way.</summary>
    public required TimeSpan FullDuration { get; init; }

    /// <summary>
    /// Fraction of the full phase already done when its last <c>FULL_TRANSFER_STARTED</c> segment began
    /// (negative or positive); set by the control API's transition so progress reads as asked.
    /// </summary>
    public double FullHeadStart { get; init; }

    /// <summary>When set, the job is evaluated at this instant forever (a frozen job never changes).</summary>
    public DateTimeOffset? FrozenAt { get; init; }

    /// <summary>Marked deleted through the control API or by the seed.</summary>
    public bool Deleted { get; init; }

    /// <summary>Incremental delay shape: base plus a slow wave, in milliseconds.</summary>
    public long DelayBaseMs { get; init; }
    public long DelayAmplitudeMs { get; init; }
    public double DelayPeriodSeconds { get; init; } = 300;
    public double DelayPhase { get; init; }

    /// <summary>Reproduces the page's odd example (FULL_TRANSFER_COMPLETE with progress "0" and struct at 94%).</summary>
    public bool ExampleProgressQuirk { get; init; }

    /// <summary>
    /// One of the API pages' example jobs: its status item is the page's (<c>id</c> and <c>status</c>, no error fields even
    /// when failed), where other failed jobs' items also carry <c>error_code</c>/<c>error_message</c> (an emulator choice).
    /// </summary>
    public bool FromApiPage { get; init; }

    /// <summary>The parent job when this one is a subtask: the list call shows it among the parent's <c>children</c>.</summary>
    public string? ParentId { get; init; }

    /// <summary>The enterprise project; "0" is DRS's default one.</summary>
    public string EnterpriseProjectId { get; init; } = "0";

    /// <summary>The list call's <c>engine_type</c> when set; otherwise derived from the profile (see <see cref="JobListing.EngineTypeOf"/>).</summary>
    public string? EngineType { get; init; }

    /// <summary>Static detail fields (endpoints, instance, tags...).</summary>
    public required DetailItem Profile { get; init; }
}
