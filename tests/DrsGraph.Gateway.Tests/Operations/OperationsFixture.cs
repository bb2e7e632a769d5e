using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using DrsGraph.Emulator;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>
/// The deployed topology on loopback: one emulator standing in for DRS and two gateway replicas in
/// front of it (as behind a load balancer), each on its own Kestrel port. The emulator's clock is
/// frozen so both replicas must give the same answers.
/// </summary>
/// <remarks>
/// Both replicas live in this one test process, so they share its meters: each replica's /metrics also
/// counts the other's requests and DRS calls. Tests therefore assert counters that grow by at least
/// what they caused, never exact totals.
/// </remarks>
public sealed class OperationsFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 15, 8, 0, 0, TimeSpan.Zero));

    public WebApplication Emulator { get; private set; } = null!;

    public HttpClient EmulatorClient { get; private set; } = null!;

    public GatewayFactory ReplicaA { get; private set; } = null!;

    public GatewayFactory ReplicaB { get; private set; } = null!;

    public HttpClient A { get; private set; } = null!;

    public HttpClient B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        (Emulator, EmulatorClient) = await StartEmulatorAsync(Time);
        ReplicaA = new GatewayFactory(Emulator.GetBaseAddress());
        ReplicaB = new GatewayFactory(Emulator.GetBaseAddress());
        A = ReplicaA.StartAndCreateClient();
        B = ReplicaB.StartAndCreateClient();
    }

    public async Task DisposeAsync()
    {
        A.Dispose();
        B.Dispose();
        await ReplicaA.DisposeAsync();
        await ReplicaB.DisposeAsync();
        EmulatorClient.Dispose();
        await Emulator.DisposeAsync();
    }

    /// <summary>An emulator on a free loopback port, and a client for its control API.</summary>
    public static async Task<(WebApplication Emulator, HttpClient Control)> StartEmulatorAsync(TimeProvider? time = null)
    {
        var emulator = EmulatorApplication.Create(["--urls", "http://127.0.0.1:0"], builder =>
        {
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }
        });
        await emulator.StartAsync();
        return (emulator, new HttpClient { BaseAddress = emulator.GetBaseAddress() });
    }

    /// <summary>Creates frozen jobs in the emulator's demo project and returns their IDs.</summary>
    public static async Task<IReadOnlyList<string>> CreateJobsAsync(HttpClient control, int count)
    {
        var response = await control.PostAsJsonAsync("/_emulator/jobs", new { projectId = GatewayFixture.DemoProject, count, status = "FULL_TRANSFER_STARTED", frozen = true });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonObject>();
        return [.. created!["jobs"]!.AsArray().Select(job => job!["id"]!.GetValue<string>())];
    }

    /// <summary>POSTs a GraphQL request to one replica.</summary>
    public static async Task<GraphQLAnswer> QueryAsync(HttpClient replica, string query, string token = GatewayFixture.Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query }) };
        request.Headers.Add("X-Auth-Token", token);

        using var response = await replica.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new GraphQLAnswer((int)response.StatusCode, JsonNode.Parse(text)!.AsObject(), text);
    }

    /// <summary>GETs a health endpoint: status code and parsed JSON body.</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body)> HealthAsync(HttpClient replica, string path)
    {
        using var response = await replica.GetAsync(new Uri(path, UriKind.Relative));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        return (response.StatusCode, body);
    }

    /// <summary>A loopback port nothing listens on (it was free a moment ago).</summary>
    public static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Runs alone, after the parallel collections: ASP.NET Core's request-duration instruments belong to
/// each host, and a host disposed by a concurrent test would reset the series this group counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OperationsTestGroup : ICollectionFixture<OperationsFixture>
{
    public const string Name = "operations";
}
