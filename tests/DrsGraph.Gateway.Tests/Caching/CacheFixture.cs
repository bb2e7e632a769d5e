using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrsGraph.Emulator;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>The same on every replica, so replicas share Redis entries.</summary>
    public const string Secret = "cache-tests-key-secret-0123456789abcdef";

    public FakeTimeProvider EmulatorTime { get; } = new(new DateTimeOffset(2026, 1, 15, 8, 0, 0, TimeSpan.Zero));

    public WebApplication Emulator { get; private set; } = null!;

    public Uri Drs => Emulator.GetBaseAddress();

    public HttpClient EmulatorClient { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Emulator = EmulatorApplication.Create(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(EmulatorTime);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Emulator:GeneratedJobs"] = "0",
                [$"Emulator:Tenants:{TokenA}:0"] = Project,
                [$"Emulator:Tenants:{TokenA2}:0"] = Project,
                [$"Emulator:Tenants:{TokenB}:0"] = OtherProject,
            });
        });
        await Emulator.StartAsync();
        EmulatorClient = new HttpClient { BaseAddress = Drs };
    }

    public async Task DisposeAsync()
    {
        EmulatorClient.Dispose();
        await Emulator.DisposeAsync();
        await Redis.DisposeAsync();
    }

    /// <summary>Cold start for a test: no upstream log, no faults, an empty Redis (started if a test stopped it).</summary>
    public async Task ResetAsync()
    {
        (await EmulatorClient.DeleteAsync("/_emulator/requests")).EnsureSuccessStatusCode();
        (await EmulatorClient.DeleteAsync("/_emulator/faults")).EnsureSuccessStatusCode();
        await Redis.FlushAsync();
    }

    /// <summary>A fresh cache clock for the gateways of one test.</summary>
    public static FakeTimeProvider NewCacheClock() => new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public CacheGateway StartGateway(FakeTimeProvider clock, bool redis = false, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        if (redis)
        {
            all.TryAdd("ConnectionStrings:Redis", Redis.ConnectionString);
            all.TryAdd("Gateway:Cache:KeySecret", Secret);
        }

        return CacheGateway.Start(Drs, clock, all);
    }

    public async Task<IReadOnlyList<UpstreamCall>> UpstreamCallsAsync()
    {
        var log = await EmulatorClient.GetFromJsonAsync<UpstreamLog>("/_emulator/requests", JsonSerializerOptions.Web);
        return log!.Requests;
    }

    public async Task ClearUpstreamLogAsync() => (await EmulatorClient.DeleteAsync("/_emulator/requests")).EnsureSuccessStatusCode();

    public async Task SetFaultsAsync(object faults) => (await EmulatorClient.PutAsJsonAsync("/_emulator/faults", faults)).EnsureSuccessStatusCode();

    public async Task ClearFaultsAsync() => (await EmulatorClient.DeleteAsync("/_emulator/faults")).EnsureSuccessStatusCode();

    public async Task<IReadOnlyList<string>> CreateJobsAsync(int count, string status = "FULL_TRANSFER_STARTED", string project = Project)
    {
        var response = await EmulatorClient.PostAsJsonAsync("/_emulator/jobs", new { projectId = project, count, status, frozen = true });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonObject>();
        return [.. created!["jobs"]!.AsArray().Select(job => job!["id"]!.GetValue<string>())];
    }

    public async Task CreateJobAsync(string id, string status = "FULL_TRANSFER_STARTED", string project = Project) =>
        (await EmulatorClient.PostAsJsonAsync("/_emulator/jobs", new { projectId = project, ids = new[] { id }, status, frozen = true })).EnsureSuccessStatusCode();

    /// <summary>A well-formed job ID no job has yet (unique per call).</summary>
    public static string NewJobId() => $"{Guid.NewGuid():N}"[..8] + "-0000-4000-8000-" + $"{Guid.NewGuid():N}"[..8] + "jb01";
}

[CollectionDefinition(Name)]
public sealed class CacheTestGroup : ICollectionFixture<CacheFixture>
{
    public const string Name = "cache";
}
