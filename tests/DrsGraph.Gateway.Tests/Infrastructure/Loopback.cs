using System.Net;
using System.Net.Sockets;

namespace DrsGraph.Gateway.Tests.Infrastructure;

public static class Loopback
{
    /// <summary>A loopback port nothing listens on (it was free a moment ago).</summary>
    public static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
