using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Emulator.Tests.Infrastructure;

/// <summary>
/// A started emulator on 127.0.0.1:0 with a FakeTimeProvider, and a real HttpClient pointed at it.
/// Owns every test substitution.
/// </summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    public const string DemoProject = "054ba152d480d55b2f5dc0069e7ddef0";
    public const string Token = "test-token-3f1c9a";

    /// <summary>Fixed start instant, so seeded data is the same in every run.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private EmulatorHost(WebApplication app, FakeTimeProvider time, HttpClient client)
    {
        App = app;
        Time = time;
        Client = client;
    }

    public WebApplication App { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Client { get; }

    public static async Task<EmulatorHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var time = new FakeTimeProvider(Start);
        var app = EmulatorApplication.Create(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Services.AddSingleton<TimeProvider>(time);
            if (settings is not null)
            {
                b.Configuration.AddInMemoryCollection(settings);
            }
        });
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = app.GetBaseAddress(), Timeout = TimeSpan.FromSeconds(30) };
        return new EmulatorHost(app, time, client);
    }

    /// <summary>POSTs a raw body to a batch endpoint ("status", "progress", "detail").</summary>
    public async Task<DrsAnswer> CallAsync(string endpoint, string body, string? token = Token, string project = DemoProject, string? language = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v3/{project}/jobs/batch-{endpoint}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Auth-Token", token);
        }

        if (language is not null)
        {
            request.Headers.Add("X-Language", language);
        }

        using var response = await Client.SendAsync(request);
        return await DrsAnswer.ReadAsync(response);
    }

    /// <summary>Calls a batch endpoint for these IDs, with an optional raw page_req JSON.</summary>
    public Task<DrsAnswer> CallAsync(string endpoint, IEnumerable<string> ids, string? pageReq = """{"per_page":0}""") =>
        CallAsync(endpoint, $$"""{"jobs":{{JsonSerializer.Serialize(ids)}}{{(pageReq is null ? "" : ",\"page_req\":" + pageReq)}}}""");

    /// <summary>POSTs a raw body to the list call, <c>/v3/{project}/jobs</c>.</summary>
    public async Task<DrsAnswer> ListAsync(string body, string? token = Token, string project = DemoProject)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v3/{project}/jobs")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Auth-Token", token);
        }

        using var response = await Client.SendAsync(request);
        return await DrsAnswer.ReadAsync(response);
    }

    public async Task<JsonElement> ControlAsync(HttpMethod method, string path, string? body = null, int expectedStatus = 200)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expectedStatus == (int)response.StatusCode, $"{method} {path}: expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Creates jobs through the control API and returns their IDs.</summary>
    public async Task<List<string>> CreateJobsAsync(string body)
    {
        var created = await ControlAsync(HttpMethod.Post, "/_emulator/jobs", body, 201);
        return [.. created.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()!)];
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>An answer of the emulator: status, headers and the raw JSON body.</summary>
public sealed record DrsAnswer(int Status, JsonElement Body, string RawBody, HttpResponseHeaders Headers)
{
    public static async Task<DrsAnswer> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new DrsAnswer((int)response.StatusCode, body, text, response.Headers);
    }

    public JsonElement[] Results => [.. Body.GetProperty("results").EnumerateArray()];

    /// <summary>The list call's jobs.</summary>
    public JsonElement[] Jobs => [.. Body.GetProperty("jobs").EnumerateArray()];

    public string? ErrorCode => Body.TryGetProperty("error_code", out var c) ? c.GetString() : null;

    public string? RequestId => Headers.TryGetValues("X-Request-Id", out var v) ? v.Single() : null;
}

/// <summary>One started emulator shared by a test class that only reads the seed data.</summary>
public sealed class SharedEmulator : IAsyncLifetime
{
    public EmulatorHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await EmulatorHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
