using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.Browsing;

/// <summary>Paging, cursors and the local-filtering ceiling of the browsing fields, bound from <c>Gateway:Browse</c>.</summary>
public sealed class BrowseOptions : IValidatableObject
{
    public const string SectionName = "Gateway:Browse";

    /// <summary>Page size when a connection gets neither <c>first</c> nor <c>last</c>. Default 10, HotChocolate's.</summary>
    [Range(1, 1000)]
    public int DefaultPageSize { get; set; } = 10;

    /// <summary>Largest <c>first</c>/<c>last</c> accepted (else <c>PAGE_SIZE_EXCEEDED</c>). Default 50, HotChocolate's.</summary>
    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 50;

    /// <summary>
    /// Most jobs the gateway fetches batch answers for to filter or sort them itself (what DRS cannot do);
    /// a query that would need more is refused with <c>FILTER_TOO_BROAD</c> instead of fetching a whole
    /// project's details. Default 1000 (ten batch calls of 100 per endpoint).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxLocalCandidates { get; set; } = 1000;

    /// <summary>
    /// HMAC key of the cursors, at least 32 characters. Unset: <c>Gateway:Cache:KeySecret</c>, else a random
    /// key per process (cursors then work only on the replica that issued them).
    /// </summary>
    public string? CursorSecret { get; set; }

    /// <summary>How long a cursor is accepted after it was issued (then <c>INVALID_CURSOR</c>). Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan CursorLifetime { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultPageSize > MaxPageSize)
        {
            yield return new ValidationResult($"{SectionName}:{nameof(DefaultPageSize)} must not exceed {nameof(MaxPageSize)}.", [nameof(DefaultPageSize)]);
        }

        if (!string.IsNullOrEmpty(CursorSecret) && CursorSecret.Length < 32)
        {
            yield return new ValidationResult($"{SectionName}:{nameof(CursorSecret)} must be at least 32 characters (or unset).", [nameof(CursorSecret)]);
        }
    }
}
