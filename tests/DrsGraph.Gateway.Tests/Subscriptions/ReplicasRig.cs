using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Subscriptions;
using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.Subscriptions;

/// <summary>
/// One emulator (frozen clock, the rig's tokens) and one real Redis, shared by gateway replicas the tests
/// start and stop themselves (<see cref="StartReplicaAsync"/>): every replica has the same cache key secret,
/// so they share scopes, and fast ticks (50 to 200 ms) with a 1 s lease: longer than the default twice
/// <c>MaxTick</c>, so a holder slowed down by a loaded test machine does not lose its lease between polls.
/// </summary>
public sealed class ReplicasRig : IAsyncLifetime
{
    public const string KeySecret = "replicas-rig-key-secret-0123456789abcdef";

    public FakeTimeProvider Time { get; } = TestEmulator.FrozenClock();

    public TestEmulator Emulator { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Emulator = await TestEmulator.StartAsync(Time, new Dictionary<string, string?>
        {
            [$"Emulator:Tenants:{SubscriptionRig.Token}:0"] = SubscriptionRig.Project,
            [$"Emulator:Tenants:{SubscriptionRig.OtherToken}:0"] = SubscriptionRig.Project,
        });
    }

    public async Task DisposeAsync()
    {
        await Emulator.DisposeAsync();
        await Redis.DisposeAsync();
    }

    /// <summary>A gateway replica on the rig's emulator and Redis; <paramref name="settings"/> on top of the rig's.</summary>
    public Task<GatewayHost> StartReplicaAsync(params (string Key, string? Value)[] settings) =>
        GatewayHost.Builder()
            .WithEmulator(Emulator)
            .WithRedis(Redis, KeySecret)
            .CaptureLogs()
            .WithSettings(GatewayRig.With(
                GatewayRig.FastFaults,
                [
                    ("Gateway:Subscriptions:MinTick", "00:00:00.050"),
                    ("Gateway:Subscriptions:MaxTick", "00:00:00.200"),
                    ("Gateway:Subscriptions:MaxJobsPerSubscription", "30"),
                    ("Gateway:Subscriptions:MaxJobsPerCaller", "5000"),
                    // Long enough that a holder stalled by a loaded machine (a test run on 2 cores) keeps its lease: at
                    // 1 s the other replica took it over mid-window now and then and polled once.
                    ("Gateway:Subscriptions:LeaseDuration", "00:00:03"),
                    .. settings,
                ]))
            .StartAsync();

    public async Task<IReadOnlyList<string>> CreateJobsAsync(int count)
    {
        var response = await Emulator.Control.PostAsJsonAsync("/_emulator/jobs", new { projectId = SubscriptionRig.Project, count, status = "FULL_TRANSFER_STARTED", frozen = true });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonObject>();
        return [.. created!["jobs"]!.AsArray().Select(job => job!["id"]!.GetValue<string>())];
    }

    /// <summary>Moves a job to <paramref name="status"/> at once (and keeps it there).</summary>
    public async Task MoveAsync(string id, string status) =>
        (await Emulator.Control.PostAsJsonAsync($"/_emulator/jobs/{id}/transition", new { status, frozen = true })).EnsureSuccessStatusCode();

    /// <summary>Batch-status calls the emulator logged for any of <paramref name="ids"/> since the log was last cleared.</summary>
    public async Task<int> StatusCallsAsync(IEnumerable<string> ids)
    {
        var watched = ids.ToHashSet(StringComparer.Ordinal);
        return (await Emulator.UpstreamCallsAsync()).Count(c => c.Endpoint == "status" && c.JobIds!.Any(watched.Contains));
    }

    /// <summary>The Redis key of the rig's token's scope lease, as <paramref name="replica"/> names it.</summary>
    public static string LeaseKeyOf(GatewayHost replica)
    {
        var headers = new HeaderDictionary { [CallerContextBuilder.AuthTokenHeader] = SubscriptionRig.Token };
        var caller = replica.Services.GetRequiredService<CallerContextBuilder>().Build(headers).Caller!;
        return replica.Services.GetRequiredService<JobCacheKeys>().PollScopeOf(caller) + "sub:lease";
    }

    public static SharedScopeFeeds Feeds(GatewayHost replica) => replica.Services.GetRequiredService<SharedScopeFeeds>();

    public static JobUpdateHub Hub(GatewayHost replica) => replica.Services.GetRequiredService<JobUpdateHub>();
}
