using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.Security;

/// <summary>The gateway's exposure to the outside world, bound from <c>Gateway:Security</c>.</summary>
public sealed class GatewaySecurityOptions : IValidatableObject
{
    public const string SectionName = "Gateway:Security";

    /// <summary>
    /// Answer <c>__schema</c> and <c>__type</c> queries. Default true: the IDE and code generators need
    /// them. Switch off in production when only known clients call; <c>__typename</c> keeps working.
    /// </summary>
    public bool EnableIntrospection { get; set; } = true;

    public CorsSettings Cors { get; set; } = new();

    public RateLimitSettings RateLimit { get; set; } = new();

    // ValidateDataAnnotations does not descend into nested objects; do it here so bad values stop the host.
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(Cors, new ValidationContext(Cors), results, validateAllProperties: true);
        Validator.TryValidateObject(RateLimit, new ValidationContext(RateLimit), results, validateAllProperties: true);
        return results;
    }
}

/// <summary>Which browser origins may call the gateway from their pages (<c>Gateway:Security:Cors</c>).</summary>
public sealed class CorsSettings : IValidatableObject
{
    /// <summary>
    /// Origins (<c>https://app.example.com</c>) allowed to call from a browser, or <c>*</c> for any.
    /// Default: none, so no CORS headers are sent and browsers keep other origins' pages out.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>How long a browser may cache a preflight answer. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan PreflightMaxAge { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in AllowedOrigins)
        {
            // An origin is scheme://host[:port], nothing more; a path or a typo would silently never match.
            if (origin != "*" && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.GetLeftPart(UriPartial.Authority) != origin.TrimEnd('/')))
            {
                yield return new ValidationResult($"'{origin}' is not an origin (scheme://host[:port]) or '*'.", [nameof(AllowedOrigins)]);
            }
        }
    }
}

/// <summary>
/// A token bucket per caller on <c>/graphql</c> (<c>Gateway:Security:RateLimit</c>). A caller is the
/// SHA-256 of its <c>X-Auth-Token</c>, or its IP address when it sends none.
/// </summary>
public sealed class RateLimitSettings
{
    /// <summary>Limit callers at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Requests a caller may send at once after being idle (bucket size). Default 100: a dashboard
    /// that opens with a burst of widget queries is not refused.
    /// </summary>
    [Range(1, 1_000_000)]
    public int BurstLimit { get; set; } = 100;

    /// <summary>Tokens added back every <see cref="ReplenishmentPeriod"/>. Default 50: a sustained 50 requests a second per caller.</summary>
    [Range(1, 1_000_000)]
    public int TokensPerPeriod { get; set; } = 50;

    /// <summary>How often the bucket is refilled. Default 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);
}
