using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace DrsGraph.Gateway.Health;

/// <summary>One address the gateway itself listens on, and the setting it came from (for the line that names it).</summary>
internal sealed record GatewayListenAddress(string Address, string Setting)
{
    /// <summary>The port, or null when the address names none (Kestrel then takes its scheme's default).</summary>
    public int? Port => GatewayListenAddresses.PortOf(Address);
}

/// <summary>
/// Where the gateway's own addresses come from, in Kestrel's order: <c>Kestrel:Endpoints</c> (which then wins over
/// the rest), else <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>), else <c>http_ports</c>/<c>https_ports</c>
/// (<c>ASPNETCORE_HTTP_PORTS</c>, set by the container image), else Kestrel's default. Read from configuration, not
/// from Kestrel, so the embedded emulator's check can see a clash before anything binds, and a failed bind can name
/// the setting to change.
/// </summary>
internal static partial class GatewayListenAddresses
{
    private const string KestrelEndpoints = "Kestrel:Endpoints";

    public static IReadOnlyList<GatewayListenAddress> Of(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var endpoints = configuration.GetSection(KestrelEndpoints).GetChildren()
            .Where(endpoint => !string.IsNullOrWhiteSpace(endpoint["Url"]))
            .Select(endpoint => new GatewayListenAddress(endpoint["Url"]!.Trim(), $"{KestrelEndpoints}:{endpoint.Key}:Url"))
            .ToList();
        if (endpoints.Count > 0)
        {
            return endpoints;
        }

        if (!string.IsNullOrWhiteSpace(configuration["urls"]))
        {
            var setting = SettingOf(configuration, "urls");
            return configuration["urls"]!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(url => new GatewayListenAddress(url, setting))
                .ToList();
        }

        var ports = new List<GatewayListenAddress>();
        foreach (var (key, scheme) in new[] { ("http_ports", "http"), ("https_ports", "https") })
        {
            if (!string.IsNullOrWhiteSpace(configuration[key]))
            {
                var setting = SettingOf(configuration, key);
                ports.AddRange(configuration[key]!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(port => new GatewayListenAddress($"{scheme}://*:{port}", setting)));
            }
        }

        return ports.Count > 0 ? ports : [new GatewayListenAddress("http://localhost:5000", "Kestrel's default: no --urls, ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS or Kestrel:Endpoints")];
    }

    /// <summary>
    /// The one line's reason for an exception Kestrel throws while binding the gateway's addresses, or null when it is
    /// not a bind failure. Kestrel wraps "address in use" in an IOException naming the address; other socket errors
    /// come bare.
    /// </summary>
    public static string? ReasonOf(Exception failure)
    {
        for (var error = failure; error is not null; error = error.InnerException)
        {
            switch (error)
            {
                case AddressInUseException:
                case SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }:
                    return "address already in use (another process, or the embedded emulator, listens there)";
                case SocketException { SocketErrorCode: SocketError.AccessDenied }:
                    return "permission denied (a port below 1024 needs privileges)";
                case SocketException { SocketErrorCode: SocketError.AddressNotAvailable }:
                    return "cannot assign the address (it is not one of this machine's)";
                case SocketException socket:
                    return socket.Message;
                // Kestrel parses the addresses as it starts: "Invalid url: 'garbage'", which logged a stack trace and
                // aborted the process (exit code 134).
                case FormatException format:
                    return $"not an address to listen on ({format.Message}; write it as http://host:port)";
                case InvalidOperationException https when https.Message.Contains("HTTPS endpoint", StringComparison.Ordinal):
                    return "https needs a server certificate (Kestrel:Certificates:Default), or terminate TLS in front of the gateway and listen on http";
                default:
                    break;
            }
        }

        return null;
    }

    /// <summary>
    /// The addresses a bind failure is about: the one Kestrel names ("Failed to bind to address http://127.0.0.1:5000:
    /// ..."), matched to its setting by port; else every configured address (a bare SocketException names none).
    /// </summary>
    public static IReadOnlyList<GatewayListenAddress> Concerned(Exception failure, IReadOnlyList<GatewayListenAddress> configured)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(configured);
        for (var error = failure; error is not null; error = error.InnerException)
        {
            if (error is IOException && NamedAddress().Match(error.Message) is { Success: true } match)
            {
                var address = match.Groups["address"].Value;
                var port = PortOf(address);
                var same = configured.Where(candidate => candidate.Port == port).Select(candidate => candidate.Setting).Distinct(StringComparer.Ordinal).ToList();
                return [new GatewayListenAddress(address, same.Count > 0 ? string.Join(", ", same) : string.Join(", ", configured.Select(c => c.Setting).Distinct(StringComparer.Ordinal)))];
            }
        }

        return configured;
    }

    /// <summary>
    /// True when the emulator's <paramref name="emulator"/> address and the gateway's <paramref name="gateway"/> would
    /// bind the same fixed port on a shared address: one of them on every address (<c>*</c>, <c>0.0.0.0</c>, a host
    /// name, which Kestrel binds on every address), or the same address (<c>localhost</c> is both loopbacks).
    /// </summary>
    public static bool Clash(string emulator, string gateway)
    {
        if (PortOf(emulator) is not { } port || port == 0 || PortOf(gateway) != port)
        {
            return false;
        }

        var (a, b) = (AddressesOf(emulator), AddressesOf(gateway));
        return a is null || b is null || a.Intersect(b).Any();
    }

    internal static int? PortOf(string address)
    {
        var match = HostAndPort().Match(address);
        return match.Success && int.TryParse(match.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;
    }

    /// <summary>The IP addresses a host binds, or null for every address.</summary>
    private static IPAddress[]? AddressesOf(string address)
    {
        var host = HostAndPort().Match(address).Groups["host"].Value.Trim('[', ']');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }

        return IPAddress.TryParse(host, out var ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any) ? [ip] : null;
    }

    /// <summary>The setting a key came from, as an operator would write it: the last source that holds it wins.</summary>
    private static string SettingOf(IConfiguration configuration, string key)
    {
        var upper = key.ToUpperInvariant();
        foreach (var provider in (configuration as IConfigurationRoot)?.Providers.Reverse() ?? [])
        {
            if (!provider.TryGet(key, out _))
            {
                continue;
            }

            return provider switch
            {
                CommandLineConfigurationProvider => $"--{key}",
                EnvironmentVariablesConfigurationProvider environment when EnvironmentPrefix().Match(environment.ToString()) is { Success: true } prefix => prefix.Groups["prefix"].Value + upper,
                FileConfigurationProvider file => $"{key} in {file.Source.Path}",
                _ => Generic(key),
            };
        }

        return Generic(key);
    }

    /// <summary>A copy of the settings (start-up validation's) has lost their sources: the usual ones are named.</summary>
    private static string Generic(string key) => key switch
    {
        "urls" => "--urls or ASPNETCORE_URLS",
        "http_ports" => "ASPNETCORE_HTTP_PORTS",
        "https_ports" => "ASPNETCORE_HTTPS_PORTS",
        _ => key,
    };

    [GeneratedRegex(@"^[a-z]+://(?<host>\[[^\]]*\]|[^/:]*)(?::(?<port>[0-9]{1,5}))?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HostAndPort();

    [GeneratedRegex(@"address (?<address>[a-z]+://\S+?):? ", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NamedAddress();

    [GeneratedRegex(@"Prefix: '(?<prefix>[^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentPrefix();
}
