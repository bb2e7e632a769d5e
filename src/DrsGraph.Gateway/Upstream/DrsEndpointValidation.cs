using DrsGraph.DrsClient;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Upstream;

/// <summary>
/// Checks <c>Drs:Endpoint</c> at start-up: an absolute http(s) URL, https outside Development unless
/// <c>Drs:AllowInsecureEndpoint</c>, and present unless the embedded emulator serves instead. Without it a
/// typo started a gateway that reported ready and then failed every query (HTTP 500 for <c>notaurl</c>,
/// hundreds of log lines per query for <c>ftp://...</c>), or served the emulator's invented jobs.
/// </summary>
internal sealed class DrsEndpointValidation(bool isDevelopment, bool embeddedEmulator) : IValidateOptions<DrsClientOptions>
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
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(
                    $"{EndpointSetting} is not set: set it to the DRS API's base URL (e.g. {Example}), or set " +
                    $"{EmbeddedEmulatorOptions.EnabledSetting}=true to serve the built-in emulator's invented jobs instead " +
                    "(the Development environment does so by default).");
        }

        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp) || endpoint.Host.Length == 0)
        {
            return ValidateOptionsResult.Fail($"{EndpointSetting} '{Describe(endpoint)}' is not an absolute http(s) URL; set it to the DRS API's base URL, e.g. {Example}.");
        }

        if (endpoint.Scheme == Uri.UriSchemeHttp && !isDevelopment && !options.AllowInsecureEndpoint)
        {
            return ValidateOptionsResult.Fail(
                $"{EndpointSetting} '{Describe(endpoint)}' is plain http outside the Development environment: callers' IAM tokens would " +
                $"cross the network in clear text. Use https, or set {AllowInsecureSetting}=true for an upstream on a private network.");
        }

        return ValidateOptionsResult.Success;
    }

    // The value as configured, without any user:password part, and short enough for one line.
    private static string Describe(Uri endpoint)
    {
        var text = endpoint.IsAbsoluteUri && endpoint.UserInfo.Length > 0
            ? endpoint.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped)
            : endpoint.OriginalString;
        return text.Length <= 200 ? text : text[..200] + "...";
    }
}
