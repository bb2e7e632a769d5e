using DrsGraph.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.DrsClient.Tests.Infrastructure;

/// <summary>
/// One real emulator on 127.0.0.1:0 shared by the tests of the "emulator" collection (they run one
/// after another, so faults and the request log never leak between tests running at once).
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    /// <summary>The emulator's demo project, holding the jobs of the API pages' examples.</summary>
    public const string DemoProject = "054ba152d480d55b2f5dc0069e7ddef0";

    /// <summary>A second tenant's project: the demo token may not use it.</summary>
    public const string OtherProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

    /// <summary>Token allowed on <see cref="DemoProject"/> only.</summary>
    public const string DemoToken = "token-demo-6f1c2b";

    /// <summary>Token allowed on <see cref="OtherProject"/> only.</summary>
    public const string OtherToken = "token-other-93ad0e";

    private WebApplication? _app;

    /// <summary>Frozen at a fixed instant, so job states do not move while a test runs.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));

    public Uri BaseAddress { get; private set; } = null!;

    public EmulatorControl Control { get; private set; } = null!;

    public static DrsCaller DemoCaller => new(DemoToken, DemoProject);

    public async Task InitializeAsync()
    {
        (_app, BaseAddress) = await StartAsync(Time);
        Control = new EmulatorControl(BaseAddress);
    }

    public async Task DisposeAsync()
    {
        Control?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Starts an emulator with two tenants; <paramref name="settings"/> adds or overrides <c>Emulator:*</c> keys.</summary>
    public static async Task<(WebApplication App, Uri BaseAddress)> StartAsync(TimeProvider time, IDictionary<string, string?>? settings = null)
    {
        var config = new Dictionary<string, string?>
        {
            [$"Emulator:Tenants:{DemoToken}:0"] = DemoProject,
            [$"Emulator:Tenants:{OtherToken}:0"] = OtherProject,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var app = EmulatorApplication.Create(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Configuration.AddInMemoryCollection(config);
            b.Services.AddSingleton(time);
        });
        await app.StartAsync();
        return (app, app.GetBaseAddress());
    }
}

[CollectionDefinition(Name)]
public sealed class EmulatorTests : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "emulator";
}
