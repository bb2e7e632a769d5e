using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;

namespace DrsGraph.Gateway.Tests.Faults;

/// <summary>
/// A private emulator and gateway (a <see cref="GatewayHost"/>) for tests that break things (faults, an
/// open circuit, a rate limit, a hostile client): nothing they do can leak into the shared
/// <see cref="GatewayFixture"/>. Every log line the gateway writes, at every level, is kept in <see cref="Logs"/>.
/// </summary>
public sealed class GatewayRig : IAsyncDisposable
{
    public const string Token = "rig-token";

    /// <summary>Short limits so faults surface in seconds: a 3 s request budget, fast retries, no wait on a 429 beyond 1 s.</summary>
    public static readonly IReadOnlyDictionary<string, string?> FastFaults = new Dictionary<string, string?>
    {
        ["Gateway:RequestTimeout"] = "00:00:03",
        ["Drs:Resilience:Retry:MaxRetryAttempts"] = "2",
        ["Drs:Resilience:Retry:Delay"] = "00:00:00.020",
        ["Drs:Resilience:Retry:MaxDelay"] = "00:00:01",
        // Longer than the budget, so a hang is ended by the budget, not by the client's own timeouts.
        ["Drs:Resilience:AttemptTimeout:Timeout"] = "00:00:10",
        ["Drs:Resilience:TotalRequestTimeout:Timeout"] = "00:00:20",
        ["Drs:Resilience:CircuitBreaker:SamplingDuration"] = "00:00:30",
        // Out of the way unless a test is about it: one test's faults must not open the circuit for the next.
        ["Drs:Resilience:CircuitBreaker:MinimumThroughput"] = "1000000",
    };

    private GatewayRig(GatewayHost host) => Host = host;

    public GatewayHost Host { get; }

    public WebApplication? Emulator => Host.Emulator?.App;

    public HttpClient? EmulatorClient => Host.Emulator?.Control;

    public IServiceProvider Services => Host.Services;

    public HttpClient Client => Host.Client;

    public LogCapture Logs => Host.Logs;

    /// <summary>An emulator on a frozen clock and a gateway in front of it, with <paramref name="settings"/> on top of appsettings.json.</summary>
    public static async Task<GatewayRig> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, IReadOnlyDictionary<string, string?>? emulatorSettings = null) =>
        new(await Builder(settings).WithEmulator(TestEmulator.FrozenClock(), emulatorSettings).StartAsync());

    /// <summary><paramref name="settings"/> with <paramref name="more"/> on top.</summary>
    public static Dictionary<string, string?> With(IReadOnlyDictionary<string, string?>? settings, params (string Key, string? Value)[] more)
    {
        var merged = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        foreach (var (key, value) in more)
        {
            merged[key] = value;
        }

        return merged;
    }

    /// <summary>A gateway in front of <paramref name="drsEndpoint"/> (a <see cref="StubUpstream"/>), with <paramref name="settings"/>.</summary>
    public static GatewayRig StartAgainst(Uri drsEndpoint, IReadOnlyDictionary<string, string?>? settings = null) =>
        new(Builder(settings).WithUpstream(drsEndpoint).Start());

    /// <summary>A gateway whose DRS endpoint is a loopback port nobody listens on.</summary>
    public static GatewayRig StartAgainstClosedPort(IReadOnlyDictionary<string, string?>? settings = null) =>
        StartAgainst(new Uri($"http://127.0.0.1:{Loopback.UnusedPort()}/"), settings);

    private static GatewayHostBuilder Builder(IReadOnlyDictionary<string, string?>? settings) => GatewayHost.Builder()
        // These tests are about the road to DRS: a cache answering from memory would hide every fault.
        // The cache's own stale-on-error behaviour is tested in Caching/. A test may turn it back on.
        .WithSetting("Gateway:Cache:Enabled", "false")
        .WithSettings(settings)
        .CaptureLogs()
        .WithClientTimeout(TimeSpan.FromSeconds(60));

    public ValueTask DisposeAsync() => Host.DisposeAsync();

    /// <summary>POSTs one GraphQL request and times it.</summary>
    public Task<GraphQLAnswer> QueryAsync(string query, string? token = Token, object? variables = null) => Host.QueryAsync(query, token, variables);

    public Task<GraphQLAnswer> SendAsync(HttpRequestMessage request) => Host.SendAsync(request);

    public Task SetFaultsAsync(object faults) => Host.Emulator!.SetFaultsAsync(faults);

    public Task ClearFaultsAsync() => Host.Emulator!.ClearFaultsAsync();

    public Task ClearUpstreamLogAsync() => Host.Emulator!.ClearUpstreamLogAsync();

    public Task<int> UpstreamCallCountAsync() => Host.Emulator!.UpstreamCallCountAsync();

    public Task<IReadOnlyList<string>> CreateJobsAsync(int count) => Host.Emulator!.CreateJobsAsync(count);
}
