using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.Callers;

/// <summary>How callers identify themselves, bound from the <c>Gateway:Callers</c> section.</summary>
public sealed class CallerOptions
{
    public const string SectionName = "Gateway:Callers";

    /// <summary>
    /// Token used when a request has no <c>X-Auth-Token</c>. Default: none, so the header is required.
    /// Set automatically to <see cref="EmbeddedDemoToken"/> only when the gateway runs its embedded
    /// emulator, so a newcomer's first query needs no token; never set it in front of a real DRS.
    /// </summary>
    public string? DefaultAuthToken { get; set; }

    /// <summary>Largest accepted <c>X-Auth-Token</c>, in characters. Default 16384 (IAM tokens run to ~10 KB).</summary>
    [Range(64, 65536)]
    public int MaxTokenLength { get; set; } = 16384;

    /// <summary>The token the embedded emulator accepts when no tenants are configured.</summary>
    public const string EmbeddedDemoToken = "drsgraph-demo-token";
}
