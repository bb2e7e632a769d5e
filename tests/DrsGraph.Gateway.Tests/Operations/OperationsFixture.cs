using System.Net;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>
/// The deployed topology on loopback: one emulator standing in for DRS and two gateway replicas in
/// front of it (as behind a load balancer), each on its own Kestrel port. The emulator's clock is
/// frozen so both replicas must give the same answers.
/// </summary>
/// <remarks>
/// Both replicas live in this one test process, so they share its meters: each replica's /metrics also
/// counts the other's requests and DRS calls. Tests therefore assert counters that grow by at least
/// what they caused, never exact totals.
/// </remarks>
public sealed class OperationsFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = TestEmulator.FrozenClock();

    public TestEmulator Emulator { get; private set; } = null!;

    public GatewayHost A { get; private set; } = null!;

    public GatewayHost B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Emulator = await TestEmulator.StartAsync(Time);
        // One caller for the whole collection: the rate limiter, tested on hosts of its own, would refuse a fast run now and then.
        A = GatewayHost.Builder().WithEmulator(Emulator).WithSetting("Gateway:Security:RateLimit:Enabled", "false").Start();
        B = GatewayHost.Builder().WithEmulator(Emulator).WithSetting("Gateway:Security:RateLimit:Enabled", "false").Start();
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Emulator.DisposeAsync();
    }

    /// <summary>GETs a health endpoint: status code and parsed JSON body.</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body)> HealthAsync(HttpClient replica, string path)
    {
        using var response = await replica.GetAsync(new Uri(path, UriKind.Relative));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        return (response.StatusCode, body);
    }
}

/// <summary>
/// Runs alone, after the parallel collections: ASP.NET Core's request-duration instruments belong to
/// each host, and a host disposed by a concurrent test would reset the series this group counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OperationsTestGroup : ICollectionFixture<OperationsFixture>
{
    public const string Name = "operations";
}
