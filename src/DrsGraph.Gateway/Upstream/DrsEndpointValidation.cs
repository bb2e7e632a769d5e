using System.Text.RegularExpressions;
using DrsGraph.DrsClient;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Upstream;

/// <summary>
/// Checks <c>Drs:Endpoint</c> at start-up: an absolute http(s) URL, https outside Development unless
/// <c>Drs:AllowInsecureEndpoint</c>, no <c>user:password@</c> (it ended up in /metrics labels), no <c>/v3</c> in
/// its path (the client adds <c>/v3/{project_id}</c>), and present unless the embedded emulator serves instead. Without it a
/// typo started a gateway that reported ready and then failed every query (HTTP 500 for <c>notaurl</c>,
/// hundreds of log lines per query for <c>ftp://...</c>), or served the emulator's invented jobs. Every
/// <c>Drs:Regions:&lt;name&gt;:Endpoint</c> is held to the same rules.
/// </summary>
/// <param name="isDevelopment">The Development environment, where an http:// endpoint is allowed.</param>
/// <param name="embeddedEmulator">True when the embedded emulator stands in for an unset <c>Drs:Endpoint</c>.</param>
/// <param name="regionSettings">
/// <c>Drs:Regions</c> as configured: the binder silently leaves out a region it cannot bind (an endpoint that is no URL,
/// a plain value instead of a section), which would start the gateway without it; every configured name must be bound.
/// </param>
internal sealed class DrsEndpointValidation(bool isDevelopment, bool embeddedEmulator, IConfigurationSection? regionSettings = null) : IValidateOptions<DrsClientOptions>
{
    public const string EndpointSetting = DrsClientOptions.SectionName + ":" + nameof(DrsClientOptions.Endpoint);
    public const string AllowInsecureSetting = DrsClientOptions.SectionName + ":" + nameof(DrsClientOptions.AllowInsecureEndpoint);

    private const string Example = "https://drs.eu-de.otc.t-systems.com";

    public ValidateOptionsResult Validate(string? name, DrsClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = options.Endpoint;
        if (endpoint is null || string.IsNullOrWhiteSpace(endpoint.OriginalString))
        {
            return embeddedEmulator
                ? ValidateRegions(options)
                : ValidateOptionsResult.Fail(
                    $"{EndpointSetting} is not set: set it to the DRS API's base URL (e.g. {Example}), or set " +
                    $"{EmbeddedEmulatorOptions.EnabledSetting}=true to serve the built-in emulator's invented jobs instead " +
                    "(the Development environment does so by default).");
        }

        return CheckEndpoint(endpoint, options.AllowInsecureEndpoint, EndpointSetting, AllowInsecureSetting) is { } problem
            ? ValidateOptionsResult.Fail(problem)
            : ValidateRegions(options);
    }

    private ValidateOptionsResult ValidateRegions(DrsClientOptions options)
    {
        foreach (var configured in regionSettings?.GetChildren() ?? [])
        {
            if (!options.Regions.ContainsKey(configured.Key))
            {
                return ValidateOptionsResult.Fail(
                    $"{configured.Path} cannot be read: it needs an {nameof(DrsRegionOptions.Endpoint)} that is an absolute http(s) URL " +
                    $"({configured.Path}:{nameof(DrsRegionOptions.Endpoint)}, e.g. {Example}), and its other values of their types.");
            }
        }

        foreach (var (name, region) in options.Regions)
        {
            var setting = $"{DrsClientOptions.SectionName}:{nameof(DrsClientOptions.Regions)}:{name}";
            if (!Regex.IsMatch(name, DrsRegionOptions.NamePattern, RegexOptions.CultureInvariant))
            {
                return ValidateOptionsResult.Fail($"{setting}: '{name}' is not a region name (letters, digits, '-' or '_', at most 63, e.g. eu-nl).");
            }

            if (string.Equals(name, options.DefaultRegion, StringComparison.OrdinalIgnoreCase))
            {
                return ValidateOptionsResult.Fail(
                    $"{setting} has the default region's name ({DrsClientOptions.SectionName}:{nameof(DrsClientOptions.DefaultRegion)}): the default region is " +
                    $"{EndpointSetting} and {DrsClientOptions.SectionName}:{nameof(DrsClientOptions.ProjectId)}; name this one otherwise.");
            }

            if (region.Endpoint is not { } endpoint || string.IsNullOrWhiteSpace(endpoint.OriginalString))
            {
                return ValidateOptionsResult.Fail($"{setting}:{nameof(DrsRegionOptions.Endpoint)} is not set: set it to the region's DRS base URL, e.g. {Example}.");
            }

            if (CheckEndpoint(endpoint, region.AllowInsecureEndpoint, $"{setting}:{nameof(DrsRegionOptions.Endpoint)}", $"{setting}:{nameof(DrsRegionOptions.AllowInsecureEndpoint)}") is { } problem)
            {
                return ValidateOptionsResult.Fail(problem);
            }

            if (region.TotalTimeout is { } timeout && (timeout < TimeSpan.FromMilliseconds(100) || timeout > TimeSpan.FromMinutes(5)))
            {
                return ValidateOptionsResult.Fail($"{setting}:{nameof(DrsRegionOptions.TotalTimeout)} must be between 00:00:00.1 and 00:05:00.");
            }

            if (region.DefaultProjectId is { } project && !Regex.IsMatch(project, "^[0-9a-zA-Z_-]{1,64}$", RegexOptions.CultureInvariant))
            {
                return ValidateOptionsResult.Fail($"{setting}:{nameof(DrsRegionOptions.DefaultProjectId)} is not a DRS project ID (letters, digits, '-' or '_', at most 64).");
            }
        }

        return ValidateOptionsResult.Success;
    }

    /// <summary>The problem with one endpoint setting, or null: an absolute http(s) URL, https outside Development unless allowed.</summary>
    private string? CheckEndpoint(Uri endpoint, bool allowInsecure, string setting, string allowInsecureSetting)
    {
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp) || endpoint.Host.Length == 0)
        {
            return $"{setting} '{Describe(endpoint)}' is not an absolute http(s) URL; set it to the DRS API's base URL, e.g. {Example}.";
        }

        if (endpoint.Port == 0)
        {
            // Nothing can be reached on port 0: the gateway started, reported ready and failed every call.
            return $"{setting} '{Describe(endpoint)}' names port 0, which no server listens on: set the DRS API's base URL, e.g. {Example}.";
        }

        if (endpoint.UserInfo.Length > 0)
        {
            // Never echoed (Describe drops it): a password here went to every log line and /metrics label naming the endpoint.
            return $"{setting} '{Describe(endpoint)}' carries a user name or password before the host ('user:password@'): DRS does not take " +
                "credentials in the URL, and they would show in logs and metrics. Remove that part; callers send their own IAM token.";
        }

        if (endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0 || endpoint.OriginalString.AsSpan().IndexOfAny('?', '#') >= 0)
        {
            // Each call's path is resolved under the base URL, which drops a query or fragment (or, with a path, mangles it):
            // it never reached DRS. Not echoed either: a query is where a signed URL's secret would be.
            return $"{setting} '{Describe(endpoint)}' has a query string or fragment ('?...' or '#...', not shown): the gateway builds " +
                $"each call's path under the base URL and would drop it, so it never reaches DRS. Set only the DRS API's base URL, e.g. {Example}.";
        }

        if (endpoint.Segments.Any(s => string.Equals(s.TrimEnd('/'), "v3", StringComparison.OrdinalIgnoreCase)))
        {
            // The client appends v3/{project_id}/jobs/... itself: a path with it already asked DRS for .../v3/<project>/v3/<project>/jobs.
            return $"{setting} '{Describe(endpoint)}' already contains the API path '/v3/...': set only the DRS API's base URL, e.g. {Example} " +
                $"(the gateway adds /v3/{{project_id}}/jobs itself; the project comes from {DrsClientOptions.SectionName}:{nameof(DrsClientOptions.ProjectId)} or the caller's X-Project-Id).";
        }

        if (endpoint.Scheme == Uri.UriSchemeHttp && !isDevelopment && !allowInsecure)
        {
            return $"{setting} '{Describe(endpoint)}' is plain http outside the Development environment: callers' IAM tokens would " +
                $"cross the network in clear text. Use https, or set {allowInsecureSetting}=true for an upstream on a private network.";
        }

        return null;
    }

    // The value as configured, without any user:password part, query or fragment, and short enough for one line.
    private static string Describe(Uri endpoint)
    {
        var text = endpoint.IsAbsoluteUri && (endpoint.UserInfo.Length > 0 || endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0)
            ? endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : endpoint.OriginalString;
        return text.Length <= 200 ? text : text[..200] + "...";
    }
}
