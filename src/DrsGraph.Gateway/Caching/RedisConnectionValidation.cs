using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DrsGraph.Gateway.Caching;

/// <summary><c>ConnectionStrings:Redis</c> as configured, to be checked at start-up.</summary>
internal sealed class RedisConnectionSetting
{
    public string? Value { get; set; }
}

/// <summary>
/// Checks <c>ConnectionStrings:Redis</c> at start-up: a string StackExchange.Redis cannot parse (a <c>redis://</c> URL,
/// garbage) used to start the gateway and surface only as "Redis is down (TimeoutException)" in the health check and
/// the cache's log, as if the server were unreachable. Never echoes the string: it may carry a password.
/// </summary>
internal sealed partial class RedisConnectionValidation : IValidateOptions<RedisConnectionSetting>
{
    public const string Setting = "ConnectionStrings:" + JobCacheExtensions.RedisConnectionName;

    private const string Syntax = "host:port[,password=...][,ssl=true] (StackExchange.Redis syntax, e.g. redis-host:6379)";

    public ValidateOptionsResult Validate(string? name, RedisConnectionSetting options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        if (string.IsNullOrWhiteSpace(value))
        {
            // Unset: no shared level, memory only.
            return ValidateOptionsResult.Success;
        }

        if (UrlScheme().IsMatch(value))
        {
            return ValidateOptionsResult.Fail($"{Setting} is unusable: it is a redis:// URL, which StackExchange.Redis does not read. Write it as {Syntax}.");
        }

        // A piece without '=' is an endpoint, and the parser drops one whose port is no number ("password:secret",
        // an option typed with ':' for '='): the gateway would then connect without it, and time out.
        if (value.Split(',').Select(piece => piece.Trim()).Any(piece => piece.Length > 0 && !piece.Contains('=', StringComparison.Ordinal) && !HasUsablePort(piece)))
        {
            return ValidateOptionsResult.Fail($"{Setting} is unusable: one of its comma-separated parts is neither host:port nor option=value (an option written with ':' instead of '='?). Write it as {Syntax}.");
        }

        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(value);
        }
        catch (ArgumentException)
        {
            // The parser's message quotes the option or value it refused, which can be the tail of a password holding a
            // ',' (the string's separator): not quoted, whatever it is.
            return ValidateOptionsResult.Fail($"{Setting} is unusable: StackExchange.Redis refused one of its options (a keyword it does not know, or a value it does not accept; not quoted here, as it may be part of a password containing ','). Write it as {Syntax}.");
        }

        if (parsed.EndPoints.Count == 0)
        {
            return ValidateOptionsResult.Fail($"{Setting} is unusable: it names no host:port to connect to. Write it as {Syntax}.");
        }

        // The parser takes any text without '=' as a host name (":::" becomes host "::", "a b c" a host with blanks);
        // the connection then only ever times out.
        foreach (var endPoint in parsed.EndPoints)
        {
            var host = endPoint switch
            {
                DnsEndPoint dns => dns.Host,
                IPEndPoint ip => ip.Address.ToString(),
                _ => null,
            };
            if (host is null || Uri.CheckHostName(host) == UriHostNameType.Unknown
                || (IPAddress.TryParse(host, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))))
            {
                return ValidateOptionsResult.Fail($"{Setting} is unusable: one of its endpoints is not a host name or address one can connect to. Write it as {Syntax}.");
            }
        }

        return ValidateOptionsResult.Success;
    }

    // "host", "host:6379", "[::1]:6379" or a bare IPv6 address ("::1"): any port given is a number from 1 to 65535.
    private static bool HasUsablePort(string endPoint)
    {
        string? port;
        if (endPoint.StartsWith('['))
        {
            var close = endPoint.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            port = close == endPoint.Length - 1 ? null : endPoint[(close + 1)..] is [':', .. var rest] ? rest : "";
        }
        else
        {
            var colons = endPoint.Count(c => c == ':');
            port = colons == 1 ? endPoint[(endPoint.IndexOf(':', StringComparison.Ordinal) + 1)..] : null;
        }

        return port is null || (int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65535);
    }

    [GeneratedRegex(@"^\s*rediss?://", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlScheme();
}
