using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Upstream;

/// <summary>Whether and where the embedded emulator runs, bound from <c>Gateway:EmbeddedEmulator</c>.</summary>
public sealed class EmbeddedEmulatorOptions
{
    public const string SectionName = "Gateway:EmbeddedEmulator";

    public const string EnabledSetting = SectionName + ":" + nameof(Enabled);

    public const string UrlsSetting = SectionName + ":" + nameof(Urls);

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
    /// port (logged at start-up), so it never clashes with the gateway's own port. One or more
    /// <c>http://host:port</c> addresses separated by <c>;</c> (checked at start-up by <see cref="EmbeddedEmulatorUrlsValidation"/>,
    /// only when the emulator runs; localhost takes no free port 0).
    /// </summary>
    public string Urls { get; set; } = "http://127.0.0.1:0";
}

/// <summary>
/// Checks <c>Gateway:EmbeddedEmulator:Urls</c> at start-up: each address (separated by <c>;</c>) is <c>http://host:port</c>,
/// nothing more. Kestrel refused anything else only as the emulator started, inside the gateway's host start: "Hosting
/// failed to start" twice with stack traces and exit code 134 (<c>notaurl</c>: "Invalid url"; <c>https://...</c>: the
/// emulator has no certificate; a path: Kestrel takes none).
/// </summary>
/// <remarks>
/// A fixed port the gateway itself listens on (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>,
/// <c>Kestrel:Endpoints</c>) is refused too: the emulator, started first, took it, and the gateway then failed to bind.
/// </remarks>
internal sealed partial class EmbeddedEmulatorUrlsValidation(IConfiguration configuration) : IValidateOptions<EmbeddedEmulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, EmbeddedEmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var addresses = Addresses(options.Urls);
        if (addresses.Length == 0)
        {
            return ValidateOptionsResult.Fail($"{EmbeddedEmulatorOptions.UrlsSetting} is empty: give the in-process emulator an http://host:port address (default http://127.0.0.1:0, a free loopback port).");
        }

        foreach (var address in addresses)
        {
            if (!IsHttpHostAndPort(address))
            {
                return ValidateOptionsResult.Fail(
                    $"{EmbeddedEmulatorOptions.UrlsSetting} '{address}' is not an http://host:port address (e.g. http://127.0.0.1:0, the default: " +
                    "a free loopback port); the in-process emulator serves plain http, without a path.");
            }

            if (IsLocalhostOnAFreePort(address))
            {
                // Kestrel binds "localhost" to both loopback addresses, which cannot share one free port: it threw
                // "Dynamic port binding is not supported when binding to localhost" only as the emulator started.
                return ValidateOptionsResult.Fail(
                    $"{EmbeddedEmulatorOptions.UrlsSetting} '{address}' asks for a free port on localhost, which Kestrel cannot bind " +
                    "(localhost is two loopback addresses): use http://127.0.0.1:0 (the default) or a fixed port.");
            }

            if (Health.GatewayListenAddresses.Of(configuration).FirstOrDefault(gateway => Health.GatewayListenAddresses.Clash(address, gateway.Address)) is { } clash)
            {
                return ValidateOptionsResult.Fail(
                    $"{EmbeddedEmulatorOptions.UrlsSetting} '{address}' is the port the gateway itself listens on ('{clash.Address}', from {clash.Setting}): " +
                    "give the in-process emulator another port, or http://127.0.0.1:0 (the default) for a free one.");
            }
        }

        return ValidateOptionsResult.Success;
    }

    /// <summary>The addresses in <paramref name="urls"/>: separated by <c>;</c>, trimmed (Kestrel takes no spaces).</summary>
    internal static string[] Addresses(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsLocalhostOnAFreePort(string address)
    {
        var match = HostAndPort().Match(address);
        return match.Success
            && string.Equals(match.Groups["host"].Value, "localhost", StringComparison.OrdinalIgnoreCase)
            && int.Parse(match.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture) == 0;
    }

    private static bool IsHttpHostAndPort(string address)
    {
        var match = HostAndPort().Match(address);
        if (!match.Success || !int.TryParse(match.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return false;
        }

        // Kestrel's wildcards (any address) are no host names to Uri.
        var host = match.Groups["host"].Value is "*" or "+" ? "localhost" : match.Groups["host"].Value;
        return Uri.TryCreate($"http://{host}:{port}/", UriKind.Absolute, out var uri) && uri.HostNameType != UriHostNameType.Unknown;
    }

    [GeneratedRegex(@"^http://(?<host>\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]@?#]+):(?<port>[0-9]{1,5})/?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HostAndPort();
}
