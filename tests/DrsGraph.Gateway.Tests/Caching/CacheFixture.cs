using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.Caching;

/// <summary>
/// For the cache tests: one emulator with tenants (which token may read which project) and one real
/// redis-server. Gateways are started per test, so each test begins with cold caches.
/// </summary>
public sealed class CacheFixture : IAsyncLifetime
{
    public const string Project = "054ba152d480d55b2f5dc0069e7ddef0";
    public const string OtherProject = "11111111111111111111111111111111";

    /// <summary>May read <see cref="Project"/>.</summary>
    public const string TokenA = "tenant-a-token-0123456789";

    /// <summary>Another token that may read <see cref="Project"/>.</summary>
    public const string TokenA2 = "tenant-a2-token-0123456789";

    /// <summary>May read only <see cref="OtherProject"/>: DRS refuses it on <see cref="Project"/> (403).</summary>
    public const string TokenB = "tenant-b-token-0123456789";

    /// <summary>Forty more tokens that may read <see cref="Project"/>: forty callers whose entries never coalesce.</summary>
    public static readonly IReadOnlyList<string> ManyTokensOfA = [.. Enumerable.Range(0, 40).Select(i => $"tenant-a-many-{i:D2}-0123456789")];

    /// <summary>The same on every replica, so replicas share Redis entries.</summary>
    public const string Secret = "cache-tests-key-secret-0123456789abcdef";

    public FakeTimeProvider EmulatorTime { get; } = TestEmulator.FrozenClock();

    public TestEmulator Emulator { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Emulator:GeneratedJobs"] = "0",
            [$"Emulator:Tenants:{TokenA}:0"] = Project,
            [$"Emulator:Tenants:{TokenA2}:0"] = Project,
            [$"Emulator:Tenants:{TokenB}:0"] = OtherProject,
        };
        foreach (var token in ManyTokensOfA)
        {
            settings[$"Emulator:Tenants:{token}:0"] = Project;
        }

        Emulator = await TestEmulator.StartAsync(EmulatorTime, settings);
    }

    public async Task DisposeAsync()
    {
        await Emulator.DisposeAsync();
        await Redis.DisposeAsync();
    }

    /// <summary>Cold start for a test: no upstream log, no faults, an empty Redis (started if a test stopped it).</summary>
    public async Task ResetAsync()
    {
        await Emulator.ClearUpstreamLogAsync();
        await Emulator.ClearFaultsAsync();
        await Redis.FlushAsync();
    }

    /// <summary>A fresh cache clock for the gateways of one test.</summary>
    public static FakeTimeProvider NewCacheClock() => new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>One gateway replica: its own settings, and the cache's own clock (the test moves it) while the DRS client keeps real time.</summary>
    public GatewayHost StartGateway(FakeTimeProvider clock, bool redis = false, IReadOnlyDictionary<string, string?>? settings = null, bool captureLogs = false)
    {
        var gateway = GatewayHost.Builder()
            .WithEmulator(Emulator)
            .WithCacheClock(clock)
            // Hundreds of pollers share one token here on purpose; the per-caller rate limit has its own tests.
            .WithSetting("Gateway:Security:RateLimit:Enabled", "false");
        if (redis)
        {
            gateway.WithRedis(Redis, Secret);
        }

        if (captureLogs)
        {
            gateway.CaptureLogs();
        }

        return gateway.WithSettings(settings).Start();
    }

    public Task<IReadOnlyList<UpstreamCall>> UpstreamCallsAsync() => Emulator.UpstreamCallsAsync();

    public Task ClearUpstreamLogAsync() => Emulator.ClearUpstreamLogAsync();

    public Task SetFaultsAsync(object faults) => Emulator.SetFaultsAsync(faults);

    /// <summary>One query as <paramref name="token"/> while DRS has <paramref name="faults"/>; they are cleared afterwards, whatever happens.</summary>
    public async Task<GraphQLAnswer> QueryDuringFaultsAsync(GatewayHost gateway, object faults, string query, string token = TokenA)
    {
        await SetFaultsAsync(faults);
        try
        {
            return await gateway.QueryAsync(query, token);
        }
        finally
        {
            await ClearFaultsAsync();
        }
    }

    public Task ClearFaultsAsync() => Emulator.ClearFaultsAsync();

    public Task<IReadOnlyList<string>> CreateJobsAsync(int count, string status = "FULL_TRANSFER_STARTED", string project = Project, string? name = null) =>
        Emulator.CreateJobsAsync(count, status, project, name);

    public Task CreateJobAsync(string id, string status = "FULL_TRANSFER_STARTED", string project = Project) => Emulator.CreateJobAsync(id, status, project);

    /// <summary>A well-formed job ID no job has yet (unique per call).</summary>
    public static string NewJobId() => $"{Guid.NewGuid():N}"[..8] + "-0000-4000-8000-" + $"{Guid.NewGuid():N}"[..8] + "jb01";
}

[CollectionDefinition(Name)]
public sealed class CacheTestGroup : ICollectionFixture<CacheFixture>
{
    public const string Name = "cache";
}
