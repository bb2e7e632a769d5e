using System.Net;

namespace DrsGraph.DrsClient.Tests.Protocol;

/// <summary>
/// With HTTP_PROXY set in the pod (common cluster-wide), every call to a plain-http DRS endpoint went through the proxy:
/// each caller's X-Auth-Token in clear, and the proxy's answers served as DRS data. Only https calls use a proxy.
/// </summary>
public sealed class HttpsOnlyProxyTests
{
    private static readonly WebProxy Environment = new("http://proxy.example:3128") { BypassList = [@"bypassed\.example"] };

    [Theory]
    [InlineData("http://drs.internal.example:8080/v3/p/jobs/batch-status", null)]
    [InlineData("http://iam.internal.example/v3/auth/tokens", null)]
    [InlineData("https://drs.eu-de.otc.t-systems.com/v3/p/jobs/batch-status", "http://proxy.example:3128/")]
    [InlineData("https://bypassed.example/v3/p/jobs", null)]
    public void Only_https_destinations_go_through_the_environment_s_proxy(string destination, string? expected)
    {
        var proxy = new HttpsOnlyProxy(Environment);

        Assert.Equal(expected, proxy.GetProxy(new Uri(destination))?.ToString());
        Assert.Equal(expected is null, proxy.IsBypassed(new Uri(destination)));
    }
}
