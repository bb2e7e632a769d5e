using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.Limits;

/// <summary>How long one GraphQL request may take, bound from the <c>Gateway</c> section.</summary>
public sealed class RequestBudgetOptions
{
    public const string SectionName = "Gateway";

    /// <summary>
    /// Total time one HTTP request to <c>/graphql</c> may spend waiting for DRS, across every phase
    /// and every operation of a batch. Default 10 s: above the DRS client's own 8 s total (so a single
    /// slow call still gets its retries) and below the 15-30 s at which browsers and proxies give up.
    /// Fields still waiting when it runs out get <c>UPSTREAM_TIMEOUT</c>; the rest of the answer stands.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
