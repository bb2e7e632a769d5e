using System.ComponentModel.DataAnnotations;
using System.Net;

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

    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();

    // ValidateDataAnnotations does not descend into nested objects; do it here so bad values stop the host.
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(Cors, new ValidationContext(Cors), results, validateAllProperties: true);
        Validator.TryValidateObject(RateLimit, new ValidationContext(RateLimit), results, validateAllProperties: true);
        Validator.TryValidateObject(ForwardedHeaders, new ValidationContext(ForwardedHeaders), results, validateAllProperties: true);
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
/// Token buckets on <c>/graphql</c> (<c>Gateway:Security:RateLimit</c>): one per caller (a keyed hash of its
/// <c>X-Auth-Token</c>, or its IP address when it sends none), and a ceiling per client address over all
/// its tokens, so a client cannot escape its limit by sending a new token with every request. A request
/// costs one permit per operation plus one per <see cref="JobsPerPermit"/> job IDs it names.
/// </summary>
public sealed class RateLimitSettings : IValidatableObject
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

    /// <summary>How often the buckets are refilled. Default 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Permits one client address may spend at once over all its tokens (bucket size); 0 turns the
    /// per-address ceiling off. Default 1000: ten callers' bursts, for offices and services behind one NAT
    /// address. An IPv6 client is counted by its /64 network (one host usually owns a whole /64). Behind a
    /// proxy, set <see cref="ForwardedHeadersSettings"/> or every caller shares the proxy's address.
    /// </summary>
    [Range(0, 1_000_000)]
    public int AddressBurstLimit { get; set; } = 1000;

    /// <summary>Permits added back to each address's bucket every <see cref="ReplenishmentPeriod"/>. Default 500 (ten callers' rates).</summary>
    [Range(1, 1_000_000)]
    public int AddressTokensPerPeriod { get; set; } = 500;

    /// <summary>
    /// Client addresses (<c>10.0.0.7</c>) or networks (<c>10.20.0.0/16</c>, <c>fd00::/8</c>) exempt from the
    /// per-address ceiling: trusted services that fan many users' tokens in from one address. Their
    /// callers keep their per-token limit. Default: none.
    /// </summary>
    public string[] ExemptAddresses { get; set; } = [];

    /// <summary>
    /// Job IDs (in <c>jobs(ids:)</c> lists and <c>job(id:)</c> fields) per extra permit an operation costs.
    /// Default 25: a one-job query costs 1, a 100-job query 5, and a batch of ten 100-job operations 50,
    /// about what they cost DRS and the gateway. A request never costs more than a full bucket.
    /// </summary>
    [Range(1, 100_000)]
    public int JobsPerPermit { get; set; } = 25;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in ExemptAddresses)
        {
            if (!AddressRanges.TryParse(entry, out _))
            {
                yield return new ValidationResult($"Gateway:Security:RateLimit:ExemptAddresses: '{entry}' is not an IP address or a CIDR network (10.20.0.0/16).", [nameof(ExemptAddresses)]);
            }
        }
    }
}

/// <summary>
/// Which proxies may tell the gateway the client's address in <c>X-Forwarded-For</c>
/// (<c>Gateway:Security:ForwardedHeaders</c>), via ASP.NET Core's forwarded-headers middleware. The address
/// feeds the per-address rate limit and the logs. Default: none, so the header is ignored and the
/// address is the TCP peer's: a client that may send the header itself must never be trusted with it.
/// </summary>
public sealed class ForwardedHeadersSettings : IValidatableObject
{
    /// <summary>Addresses of the proxies in front of the gateway (<c>10.0.0.2</c>). Default: none.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks the proxies in front of the gateway are on (<c>10.0.0.0/8</c>), e.g. a Kubernetes pod network. Default: none.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>
    /// How many <c>X-Forwarded-For</c> entries are read, right to left, each from a known proxy. Default 1:
    /// one load balancer. Set it to the number of proxies in the chain.
    /// </summary>
    [Range(1, 20)]
    public int ForwardLimit { get; set; } = 1;

    /// <summary>True when any proxy is trusted, so the middleware is worth running.</summary>
    public bool Enabled => KnownProxies.Length > 0 || KnownNetworks.Length > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies)
        {
            if (!IPAddress.TryParse(proxy, out _))
            {
                yield return new ValidationResult($"Gateway:Security:ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address.", [nameof(KnownProxies)]);
            }
        }

        foreach (var network in KnownNetworks)
        {
            if (!IPNetwork.TryParse(network, out _))
            {
                yield return new ValidationResult($"Gateway:Security:ForwardedHeaders:KnownNetworks: '{network}' is not a CIDR network (10.0.0.0/8).", [nameof(KnownNetworks)]);
            }
        }
    }
}

/// <summary>Parses an address or CIDR network into a network (an address is a /32 or /128).</summary>
internal static class AddressRanges
{
    public static bool TryParse(string text, out IPNetwork network)
    {
        network = default;
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (!IPAddress.TryParse(text, out var address))
        {
            return false;
        }

        network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }
}
