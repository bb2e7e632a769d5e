using System.Net;
using DrsGraph.Gateway.GraphQLSchema;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway's real Program on a real Kestrel (loopback, free port). Owns every test substitution:
/// the upstream it talks to, the clock, and any extra settings.
/// </summary>
/// <remarks>
/// The gateway keeps the system clock: its resilience pipeline (retry delays, timeouts) runs on the
/// TimeProvider in DI, and a frozen one would make every retry wait forever.
/// </remarks>
public sealed class GatewayFactory(Uri? drsEndpoint, IReadOnlyDictionary<string, string?>? settings = null)
    : WebApplicationFactory<JobSchema>
{
    /// <summary>Starts the server and returns a client whose base address is the gateway's loopback URL.</summary>
    public HttpClient StartAndCreateClient()
    {
        // Listen() rather than UseKestrel(0): the port overload edits the server addresses after the
        // host is built, which races Kestrel's start (seen failing under load).
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        var client = CreateClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        if (drsEndpoint is not null)
        {
            builder.UseSetting("Drs:Endpoint", drsEndpoint.ToString());
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddConsole());
    }
}
