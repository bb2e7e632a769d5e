using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrsGraph.Emulator;
using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.Faults;

/// <summary>
/// A private emulator and gateway for tests that break things (faults, an open circuit, a rate
/// limit, a hostile client): nothing they do can leak into the shared <see cref="GatewayFixture"/>.
/// Every log line the gateway writes, at every level, is kept in <see cref="Logs"/>.
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

    private GatewayRig(WebApplication? emulator, WebApplicationFactory<JobSchema> gateway, HttpClient client, LogCapture logs)
    {
        Emulator = emulator;
        EmulatorClient = emulator is null ? null : new HttpClient { BaseAddress = emulator.GetBaseAddress() };
        GatewayFactory = gateway;
        Client = client;
        Logs = logs;
    }

    public WebApplication? Emulator { get; }

    public HttpClient? EmulatorClient { get; }

    public WebApplicationFactory<JobSchema> GatewayFactory { get; }

    public HttpClient Client { get; }

    public LogCapture Logs { get; }

    /// <summary>An emulator on a frozen clock and a gateway in front of it, with <paramref name="settings"/> on top of appsettings.json.</summary>
    public static async Task<GatewayRig> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, IReadOnlyDictionary<string, string?>? emulatorSettings = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 15, 8, 0, 0, TimeSpan.Zero));
        var emulator = EmulatorApplication.Create(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Services.AddSingleton<TimeProvider>(time);
            b.Configuration.AddInMemoryCollection(emulatorSettings ?? new Dictionary<string, string?>());
        });
        await emulator.StartAsync();
        return Start(emulator, emulator.GetBaseAddress(), With(settings));
    }

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
        Start(null, drsEndpoint, With(settings));

    /// <summary>A gateway whose DRS endpoint is a loopback port nobody listens on.</summary>
    public static GatewayRig StartAgainstClosedPort(IReadOnlyDictionary<string, string?>? settings = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return Start(null, new Uri($"http://127.0.0.1:{port}/"), With(settings));
    }

    private static GatewayRig Start(WebApplication? emulator, Uri drsEndpoint, Dictionary<string, string?> settings)
    {
        var logs = new LogCapture();
        var factory = new RigFactory(drsEndpoint, settings, logs);
        try
        {
            // Listen() rather than UseKestrel(0): the port overload edits the server addresses after the host
            // is built, which races Kestrel's start under load ("Addresses cannot be modified after the server has started").
            factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
        }
        catch
        {
            // A gateway that refuses to start (bad options) must not leave its host behind.
            factory.Dispose();
            throw;
        }

        var client = factory.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(60);
        return new GatewayRig(emulator, factory, client, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await GatewayFactory.DisposeAsync();
        EmulatorClient?.Dispose();
        if (Emulator is not null)
        {
            await Emulator.DisposeAsync();
        }
    }

    /// <summary>POSTs one GraphQL request and times it.</summary>
    public async Task<TimedAnswer> QueryAsync(string query, string? token = Token, object? variables = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query, variables }) };
        // The spec's media type: requests that cannot execute are 400 instead of 200.
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        return await SendAsync(request);
    }

    public async Task<TimedAnswer> SendAsync(HttpRequestMessage request)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new TimedAnswer(response.StatusCode, text, Stopwatch.GetElapsedTime(started), response.Headers.RetryAfter?.Delta);
    }

    public async Task SetFaultsAsync(object faults) =>
        (await EmulatorClient!.PutAsJsonAsync("/_emulator/faults", faults)).EnsureSuccessStatusCode();

    public async Task ClearFaultsAsync() => (await EmulatorClient!.DeleteAsync("/_emulator/faults")).EnsureSuccessStatusCode();

    public async Task ClearUpstreamLogAsync() => (await EmulatorClient!.DeleteAsync("/_emulator/requests")).EnsureSuccessStatusCode();

    public async Task<int> UpstreamCallCountAsync()
    {
        var log = await EmulatorClient!.GetFromJsonAsync<UpstreamLog>("/_emulator/requests", JsonSerializerOptions.Web);
        return log!.Requests.Count;
    }

    public async Task<IReadOnlyList<string>> CreateJobsAsync(int count)
    {
        var response = await EmulatorClient!.PostAsJsonAsync("/_emulator/jobs", new { count, status = "FULL_TRANSFER_STARTED", frozen = true });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonObject>();
        return [.. created!["jobs"]!.AsArray().Select(job => job!["id"]!.GetValue<string>())];
    }
}

/// <summary>
/// The gateway's real Program on Kestrel, like <see cref="GatewayFactory"/>, plus a log
/// provider that sees every category at every level.
/// </summary>
internal sealed class RigFactory(Uri drsEndpoint, IReadOnlyDictionary<string, string?> settings, LogCapture logs) : WebApplicationFactory<JobSchema>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Drs:Endpoint", drsEndpoint.ToString());
        // These tests are about the road to DRS: a cache answering from memory would hide every fault.
        // The cache's own stale-on-error behaviour is tested in Caching/. A test may turn it back on.
        builder.UseSetting("Gateway:Cache:Enabled", "false");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddConsole()
            .AddProvider(logs)
            // A provider-specific rule beats appsettings.json's category rules: this provider sees everything.
            .AddFilter<LogCapture>(null, LogLevel.Trace));
    }
}

/// <summary>A gateway answer with how long it took.</summary>
public sealed record TimedAnswer(HttpStatusCode Status, string Raw, TimeSpan Elapsed, TimeSpan? RetryAfter)
{
    public JsonNode? Json { get; } = TryParse(Raw);

    public JsonArray Errors => Json?["errors"]?.AsArray() ?? [];

    public JsonNode? Data => Json?["data"];

    public IEnumerable<string> Codes => Errors.Select(e => e?["extensions"]?["code"]?.GetValue<string>() ?? "(none)");

    public TimedAnswer AssertNoErrors()
    {
        Assert.True(Status == HttpStatusCode.OK && Errors.Count == 0, $"Expected data without errors, got {(int)Status}: {Raw}");
        return this;
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
