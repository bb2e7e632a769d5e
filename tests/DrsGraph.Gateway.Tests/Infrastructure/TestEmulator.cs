using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrsGraph.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>
/// The DRS emulator on a free loopback port, with helpers for its control API (/_emulator): the
/// request log, injected faults, and jobs created on demand.
/// </summary>
public sealed class TestEmulator : IAsyncDisposable
{
    /// <summary>The emulator's demo project, where created jobs go unless a test names another.</summary>
    public const string DemoProject = "054ba152d480d55b2f5dc0069e7ddef0";

    private TestEmulator(WebApplication app)
    {
        App = app;
        BaseAddress = app.GetBaseAddress();
        Control = new HttpClient { BaseAddress = BaseAddress };
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client for the control API.</summary>
    public HttpClient Control { get; }

    /// <summary>A clock frozen at the instant every snapshot and fixture assumes (2026-01-15 08:00 UTC).</summary>
    public static FakeTimeProvider FrozenClock() => new(new DateTimeOffset(2026, 1, 15, 8, 0, 0, TimeSpan.Zero));

    /// <param name="clock">The emulator's clock; the system clock when null.</param>
    /// <param name="settings">Emulator settings on top of its defaults (tenants, generated jobs).</param>
    public static async Task<TestEmulator> StartAsync(TimeProvider? clock = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var app = EmulatorApplication.Create(["--urls", "http://127.0.0.1:0"], builder =>
        {
            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
            }

            builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new TestEmulator(app);
    }

    /// <summary>Every upstream call the emulator received since the last <see cref="ClearUpstreamLogAsync"/>.</summary>
    public async Task<IReadOnlyList<UpstreamCall>> UpstreamCallsAsync()
    {
        var log = await Control.GetFromJsonAsync<UpstreamLog>("/_emulator/requests", JsonSerializerOptions.Web);
        return log!.Requests;
    }

    public async Task<int> UpstreamCallCountAsync() => (await UpstreamCallsAsync()).Count;

    public async Task ClearUpstreamLogAsync() => (await Control.DeleteAsync("/_emulator/requests")).EnsureSuccessStatusCode();

    public async Task SetFaultsAsync(object faults) => (await Control.PutAsJsonAsync("/_emulator/faults", faults)).EnsureSuccessStatusCode();

    public async Task ClearFaultsAsync() => (await Control.DeleteAsync("/_emulator/faults")).EnsureSuccessStatusCode();

    /// <summary>Creates <paramref name="count"/> frozen jobs (all named <paramref name="name"/> when given) and returns their IDs.</summary>
    public async Task<IReadOnlyList<string>> CreateJobsAsync(int count, string status = "FULL_TRANSFER_STARTED", string project = DemoProject, string? name = null)
    {
        var response = await Control.PostAsJsonAsync("/_emulator/jobs", new { projectId = project, count, status, frozen = true, name });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonObject>();
        return [.. created!["jobs"]!.AsArray().Select(job => job!["id"]!.GetValue<string>())];
    }

    /// <summary>Creates one frozen job with the given ID.</summary>
    public async Task CreateJobAsync(string id, string status = "FULL_TRANSFER_STARTED", string project = DemoProject) =>
        (await Control.PostAsJsonAsync("/_emulator/jobs", new { projectId = project, ids = new[] { id }, status, frozen = true })).EnsureSuccessStatusCode();

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        await App.DisposeAsync();
    }
}

public sealed record UpstreamLog(IReadOnlyList<UpstreamCall> Requests);

/// <summary>One logged upstream call; <c>ListQuery</c> holds the filters a list call sent (list calls only), so a test sees what was pushed down to DRS.</summary>
public sealed record UpstreamCall(
    long Sequence, string Endpoint, string ProjectId, IReadOnlyList<string>? JobIds, string? Language, int? StatusCode, UpstreamListQuery? ListQuery = null);

/// <summary>A logged list call's filters as sent; null members were not sent.</summary>
public sealed record UpstreamListQuery(string? DbUseType, string? Name, string? Status, string? EngineType, string? NetType, IReadOnlyDictionary<string, string>? Tags = null);
