using System.Diagnostics;
using System.Net.Http.Json;
using DrsGraph.Gateway.GraphQLSchema;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>
/// One gateway: the real Program on a real Kestrel (loopback, free port), in front of a DRS emulator
/// or any other upstream, with whatever <see cref="GatewayHostBuilder"/> substituted. Every gateway
/// test host is one of these; the fixtures are thin wrappers over it.
/// </summary>
/// <example><code>
/// await using var gateway = await GatewayHost.Builder()
///     .WithEmulator(TestEmulator.FrozenClock())
///     .WithSetting("Gateway:RequestTimeout", "00:00:03")
///     .CaptureLogs()
///     .StartAsync();
/// var answer = await gateway.QueryAsync("{ job(id: \"...\") { status } }", token: "a-token");
/// </code></example>
public sealed class GatewayHost : IAsyncDisposable
{
    /// <summary>The media type the GraphQL over HTTP spec asks clients to send: a request that cannot execute is a 400, not a 200.</summary>
    public const string GraphQLResponseJson = "application/graphql-response+json";

    private readonly WebApplicationFactory<JobSchema> _factory;
    private readonly bool _ownsEmulator;
    private readonly LogCapture? _logs;

    internal GatewayHost(WebApplicationFactory<JobSchema> factory, HttpClient client, TestEmulator? emulator, bool ownsEmulator, LogCapture? logs)
    {
        _factory = factory;
        Client = client;
        Emulator = emulator;
        _ownsEmulator = ownsEmulator;
        _logs = logs;
    }

    public static GatewayHostBuilder Builder() => new();

    /// <summary>A client whose base address is the gateway's loopback URL.</summary>
    public HttpClient Client { get; }

    /// <summary>The emulator this gateway talks to, when it was built with one.</summary>
    public TestEmulator? Emulator { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>Every log entry the gateway wrote, at every level (needs <see cref="GatewayHostBuilder.CaptureLogs"/>).</summary>
    public LogCapture Logs => _logs ?? throw new InvalidOperationException("This gateway was built without CaptureLogs().");

    /// <summary>
    /// POSTs one GraphQL request as application/json, accepting the spec's media type, with
    /// <paramref name="token"/> as X-Auth-Token (none when null), and reads the answer.
    /// </summary>
    public async Task<GraphQLAnswer> QueryAsync(string query, string? token, object? variables = null, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query, variables }) };
        request.Headers.Accept.ParseAdd(GraphQLResponseJson);
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.Add(name, value);
        }

        return await SendAsync(request);
    }

    /// <summary>Sends any request to the gateway, reads the whole answer and times it.</summary>
    public async Task<GraphQLAnswer> SendAsync(HttpRequestMessage request)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new GraphQLAnswer(response.StatusCode, text, Stopwatch.GetElapsedTime(started), response.Headers.RetryAfter?.Delta);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        if (_ownsEmulator)
        {
            await Emulator!.DisposeAsync();
        }
    }
}
