using DrsGraph.DrsClient.Tests.Infrastructure;
using DrsGraph.Emulator.Iam;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.DrsClient.Tests.Auth;

/// <summary>
/// An emulator of the auth tests' own, on its own frozen clock, with one IAM user and one AK/SK pair allowed on
/// the demo project only; the clients get their own clocks, so skew and expiry are set per test.
/// </summary>
public sealed class AuthEmulator : IAsyncLifetime
{
    public const string AccessKey = "HPUAEMULATORAK000001";
    public const string SecretKey = "emulator-secret-key-9f2c41d7";
    public const string User = "svc-drsgraph";
    public const string Password = "correct horse battery staple";
    public const string Domain = "example-domain";

    private WebApplication? _app;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));

    public Uri BaseAddress { get; private set; } = null!;

    public EmulatorControl Control { get; private set; } = null!;

    public IamTokenStore Tokens => _app!.Services.GetRequiredService<IamTokenStore>();

    public async Task InitializeAsync()
    {
        (_app, BaseAddress) = await EmulatorFixture.StartAsync(Time, new Dictionary<string, string?>
        {
            [$"Emulator:Iam:AccessKeys:{AccessKey}:SecretKey"] = SecretKey,
            [$"Emulator:Iam:AccessKeys:{AccessKey}:Projects:0"] = EmulatorFixture.DemoProject,
            [$"Emulator:Iam:Users:{User}:Password"] = Password,
            [$"Emulator:Iam:Users:{User}:Domain"] = Domain,
            [$"Emulator:Iam:Users:{User}:Projects:0"] = EmulatorFixture.DemoProject,
        });
        Control = new EmulatorControl(BaseAddress);
    }

    /// <summary>A client clock <paramref name="offset"/> away from the emulator's.</summary>
    public FakeTimeProvider ClockAt(TimeSpan offset) => new(Time.GetUtcNow() + offset);

    public async Task DisposeAsync()
    {
        Control?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
