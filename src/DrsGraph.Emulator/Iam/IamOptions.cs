using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Emulator.Iam;

/// <summary>The emulated IAM, bound from <c>Emulator:Iam</c>: who may obtain tokens, which AK/SK pairs sign.</summary>
public sealed class IamOptions : IValidatableObject
{
    public const string SectionName = "Emulator:Iam";

    /// <summary>User name -> password, domain and the projects it may scope a token to. Default none.</summary>
    public Dictionary<string, IamUser> Users { get; init; } = [];

    /// <summary>Access key -> secret key and the projects its signed calls may read. Default none.</summary>
    public Dictionary<string, IamAccessKey> AccessKeys { get; init; } = [];

    /// <summary>How long an issued token is valid. Default 24 h, as IAM's.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How far a signed request's <c>X-Sdk-Date</c> may be from the emulator's clock. Default 15 min, as the API gateway allows.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, user) in Users)
        {
            if (string.IsNullOrEmpty(user.Password) || string.IsNullOrEmpty(user.Domain) || user.Projects.Count == 0)
            {
                yield return new ValidationResult($"Emulator:Iam:Users:{name} needs Password, Domain and at least one project.", [nameof(Users)]);
            }
        }

        foreach (var (ak, key) in AccessKeys)
        {
            if (string.IsNullOrEmpty(key.SecretKey) || key.Projects.Count == 0)
            {
                yield return new ValidationResult($"Emulator:Iam:AccessKeys:{ak} needs SecretKey and at least one project.", [nameof(AccessKeys)]);
            }
        }
    }
}
