using System.Net;

namespace DrsGraph.DrsClient;

/// <summary>
/// The environment's proxy (<c>HTTPS_PROXY</c>, <c>NO_PROXY</c>: <see cref="HttpClient.DefaultProxy"/>) for https
/// destinations only. Through a proxy an https call is a tunnel the proxy cannot read; a plain-http call (an endpoint
/// allowed by <c>Drs:AllowInsecureEndpoint</c>, an http IAM endpoint) would hand it every caller's <c>X-Auth-Token</c>
/// and the gateway's IAM password in clear, and let it answer as DRS. So <c>HTTP_PROXY</c> is never used: such
/// endpoints are reached directly (they are meant for a sidecar or a network of the operator's own).
/// </summary>
public sealed class HttpsOnlyProxy(IWebProxy environment) : IWebProxy
{
    /// <summary>The environment's proxy, for https only.</summary>
    public static HttpsOnlyProxy FromEnvironment() => new(HttpClient.DefaultProxy);

    public ICredentials? Credentials
    {
        get => environment.Credentials;
        set => environment.Credentials = value;
    }

    public Uri? GetProxy(Uri destination) => IsBypassed(destination) ? null : environment.GetProxy(destination);

    public bool IsBypassed(Uri host) => !string.Equals(host.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase) || environment.IsBypassed(host);
}
