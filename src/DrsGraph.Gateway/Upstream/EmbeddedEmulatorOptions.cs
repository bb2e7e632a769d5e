using System.ComponentModel.DataAnnotations;

namespace DrsGraph.Gateway.Upstream;

/// <summary>Whether and where the embedded emulator runs, bound from <c>Gateway:EmbeddedEmulator</c>.</summary>
public sealed class EmbeddedEmulatorOptions
{
    public const string SectionName = "Gateway:EmbeddedEmulator";

    public const string EnabledSetting = SectionName + ":" + nameof(Enabled);

    /// <summary>
    /// Host the DRS emulator (invented jobs, and a demo token for callers that send none) when no
    /// <c>Drs:Endpoint</c> is set. Default: unset, which means on in the Development environment only
    /// (<c>dotnet run</c>), so a deployment whose endpoint is missing or misspelt stops at start-up instead
    /// of serving invented jobs. <c>true</c> turns it on anywhere; <c>false</c> off everywhere. A set
    /// <c>Drs:Endpoint</c> always wins.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// Address of the in-process emulator. Default <c>http://127.0.0.1:0</c>: loopback only, on a free
    /// port (logged at start-up), so it never clashes with the gateway's own port.
    /// </summary>
    [Required]
    public string Urls { get; set; } = "http://127.0.0.1:0";
}
