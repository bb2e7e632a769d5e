using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>A gateway for hostile clients: default limits, no rate limit (these tests send hundreds of requests).</summary>
public sealed class HostileRigFixture : IAsyncLifetime
{
    public GatewayRig Rig { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Rig = await GatewayRig.StartAsync(GatewayRig.With(null, ("Gateway:Security:RateLimit:Enabled", "false")));

    public async Task DisposeAsync() => await Rig.DisposeAsync();
}
