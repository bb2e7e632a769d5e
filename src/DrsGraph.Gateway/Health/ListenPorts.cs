using System.Globalization;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Health;

/// <summary><c>ASPNETCORE_HTTP_PORTS</c> and <c>ASPNETCORE_HTTPS_PORTS</c> as start-up validation reads them.</summary>
internal sealed class ListenPortsOptions
{
    public string? HttpPorts { get; set; }

    public string? HttpsPorts { get; set; }
}

/// <summary>
/// Refuses port lists Kestrel cannot use. <c>ASPNETCORE_HTTP_PORTS=abc</c> was dropped without a word and the gateway
/// listened on http://[::]:80, every interface, instead of the port meant.
/// </summary>
internal sealed class ListenPortsValidation : IValidateOptions<ListenPortsOptions>
{
    public ValidateOptionsResult Validate(string? name, ListenPortsOptions options)
    {
        foreach (var (setting, value) in new[] { ("ASPNETCORE_HTTP_PORTS", options.HttpPorts), ("ASPNETCORE_HTTPS_PORTS", options.HttpsPorts) })
        {
            foreach (var port in (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > 65535)
                {
                    return ValidateOptionsResult.Fail(
                        $"{setting} '{Observability.CallerText.Excerpt(value!, 100)}' is not a list of ports (0 to 65535, separated by ';', e.g. 8080).");
                }
            }
        }

        return ValidateOptionsResult.Success;
    }
}
