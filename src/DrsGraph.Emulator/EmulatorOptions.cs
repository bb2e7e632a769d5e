using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Emulator;

/// <summary>Settings of the emulator, bound from the <c>Emulator</c> configuration section.</summary>
public sealed class EmulatorOptions : IValidatableObject
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Emulator";

    /// <summary>
    /// Status code of a successful batch-progress answer. Default 202, as in the OTC pages; current
    /// Huawei pages show 200, so clients must accept both and tests can switch.
    /// </summary>
    public int ProgressStatusCode { get; set; } = 202;

    /// <summary>
    /// Token -> project IDs it may use. Default empty: any non-empty token is accepted for any project,
    /// so the emulator works out of the box.
    /// </summary>
    public Dictionary<string, List<string>> Tenants { get; init; } = [];

    /// <summary>Maximum IDs per call, 0 (the default) = no cap, because no public source states one.</summary>
    [Range(0, 100_000)]
    public int MaxJobsPerCall { get; set; }

    /// <summary>
    /// Multiplies every lifecycle phase duration. Default 1.0 (seconds to a few minutes per phase);
    /// 0.01 makes a demo run a hundred times faster.
    /// </summary>
    [Range(0.0001, 10_000.0)]
    public double TimeScale { get; set; } = 1.0;

    /// <summary>Seed of every random choice (demo data, fault rates). Default 20201221, fixed so output is reproducible.</summary>
    public int Seed { get; set; } = 20201221;

    /// <summary>Number of generated demo jobs besides the API pages' examples. Default 300.</summary>
    [Range(0, 100_000)]
    public int GeneratedJobs { get; set; } = 300;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ProgressStatusCode is not (200 or 202))
        {
            yield return new ValidationResult("Emulator:ProgressStatusCode must be 200 or 202.", [nameof(ProgressStatusCode)]);
        }

        foreach (var (token, projects) in Tenants)
        {
            if (string.IsNullOrWhiteSpace(token) || projects is null || projects.Count == 0)
            {
                yield return new ValidationResult("Every Emulator:Tenants entry needs a token and at least one project ID.", [nameof(Tenants)]);
            }
        }
    }
}
