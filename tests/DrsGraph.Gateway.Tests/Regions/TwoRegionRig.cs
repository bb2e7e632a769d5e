using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Regions;

/// <summary>
/// One gateway in front of two emulators as two DRS regions: <see cref="Home"/> is the default region
/// (<c>Drs:Endpoint</c>, named <see cref="HomeRegion"/>), <see cref="Away"/> is <c>Drs:Regions:eu-nl</c> with a
/// default project of its own.
/// </summary>
public sealed class TwoRegionRig : IAsyncDisposable
{
    public const string Token = "region-tests-token";
    public const string HomeRegion = "eu-de";
    public const string AwayRegion = "eu-nl";

    /// <summary>The away region's default project: another project ID than the home region's, as real regions have.</summary>
    public const string AwayProject = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5";

    private TwoRegionRig(TestEmulator home, TestEmulator away, GatewayHost gateway)
    {
        Home = home;
        Away = away;
        Gateway = gateway;
    }

    public TestEmulator Home { get; }

    public TestEmulator Away { get; }

    public GatewayHost Gateway { get; }

    public static async Task<TwoRegionRig> StartAsync(params (string Key, string? Value)[] settings)
    {
        var home = await TestEmulator.StartAsync(TestEmulator.FrozenClock());
        var away = await TestEmulator.StartAsync(TestEmulator.FrozenClock());
        try
        {
            var gateway = GatewayHost.Builder()
                .WithEmulator(home)
                .WithSettings(GatewayRig.With(
                    GatewayRig.FastFaults,
                    [("Drs:DefaultRegion", HomeRegion),
                     ($"Drs:Regions:{AwayRegion}:Endpoint", away.BaseAddress.ToString()),
                     ($"Drs:Regions:{AwayRegion}:DefaultProjectId", AwayProject),
                     .. settings]))
                .CaptureLogs()
                .Start();
            return new TwoRegionRig(home, away, gateway);
        }
        catch
        {
            await home.DisposeAsync();
            await away.DisposeAsync();
            throw;
        }
    }

    public Task<GraphQLAnswer> QueryAsync(string query, params (string Name, string Value)[] headers) =>
        Gateway.QueryAsync(query, Token, headers: headers.Select(h => KeyValuePair.Create(h.Name, h.Value)));

    public async Task ClearUpstreamLogsAsync()
    {
        await Home.ClearUpstreamLogAsync();
        await Away.ClearUpstreamLogAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Home.DisposeAsync();
        await Away.DisposeAsync();
    }
}
