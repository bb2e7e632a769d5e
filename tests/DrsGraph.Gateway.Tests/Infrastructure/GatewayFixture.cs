using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrsGraph.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>
/// One emulator and one gateway in front of it, both on real Kestrel, sharing a frozen clock so every
/// answer is deterministic. Tests of one collection run one after the other, so the emulator's request
/// log counts exactly what each test caused.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string Token = "gateway-tests-token";
    public const string DemoProject = "054ba152d480d55b2f5dc0069e7ddef0";

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 15, 8, 0, 0, TimeSpan.Zero));

    public WebApplication Emulator { get; private set; } = null!;

    public HttpClient EmulatorClient { get; private set; } = null!;

    public GatewayFactory Gateway { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Emulator = EmulatorApplication.Create(["--urls", "http://127.0.0.1:0"], b => b.Services.AddSingleton<TimeProvider>(Time));
        await Emulator.StartAsync();
        EmulatorClient = new HttpClient { BaseAddress = Emulator.GetBaseAddress() };
        Gateway = new GatewayFactory(Emulator.GetBaseAddress());
        Client = Gateway.StartAndCreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Gateway.DisposeAsync();
        EmulatorClient.Dispose();
        await Emulator.DisposeAsync();
    }

    /// <summary>POSTs a GraphQL request as application/json and returns the status and parsed body.</summary>
    public async Task<GraphQLAnswer> QueryAsync(string query, object? variables = null, string? token = Token, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = JsonContent.Create(new { query, variables }),
        };
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new GraphQLAnswer((int)response.StatusCode, JsonNode.Parse(text)!.AsObject(), text);
    }

    /// <summary>Every upstream call the emulator received since the last <see cref="ClearUpstreamLogAsync"/>.</summary>
    public async Task<IReadOnlyList<UpstreamCall>> UpstreamCallsAsync()
    {
        var log = await EmulatorClient.GetFromJsonAsync<UpstreamLog>("/_emulator/requests", JsonSerializerOptions.Web);
        return log!.Requests;
    }

    public async Task ClearUpstreamLogAsync() => (await EmulatorClient.DeleteAsync("/_emulator/requests")).EnsureSuccessStatusCode();

    public async Task SetFaultsAsync(object faults) =>
        (await EmulatorClient.PutAsJsonAsync("/_emulator/faults", faults)).EnsureSuccessStatusCode();

    public async Task ClearFaultsAsync() => (await EmulatorClient.DeleteAsync("/_emulator/faults")).EnsureSuccessStatusCode();

    /// <summary>Creates jobs in the emulator and returns their IDs.</summary>
    public async Task<IReadOnlyList<string>> CreateJobsAsync(int count, string status = "FULL_TRANSFER_STARTED", string project = DemoProject)
    {
        var response = await EmulatorClient.PostAsJsonAsync("/_emulator/jobs", new { projectId = project, count, status, frozen = true });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonObject>();
        return [.. created!["jobs"]!.AsArray().Select(job => job!["id"]!.GetValue<string>())];
    }

    public static string Pretty(JsonNode node) =>
        node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public static string IdList(IEnumerable<string> ids) => "[" + string.Join(", ", ids.Select(id => $"\"{id}\"")) + "]";
}

public sealed record GraphQLAnswer(int Status, JsonObject Body, string Raw)
{
    public JsonArray Errors => Body["errors"]?.AsArray() ?? [];

    public JsonNode? Data => Body["data"];

    /// <summary>Fails with the whole response in the message, which is what one wants to read then.</summary>
    public GraphQLAnswer AssertNoErrors()
    {
        Assert.True(Errors.Count == 0, $"Expected no errors, got: {Raw}");
        return this;
    }
}

public sealed record UpstreamLog(IReadOnlyList<UpstreamCall> Requests);

public sealed record UpstreamCall(long Sequence, string Endpoint, string ProjectId, IReadOnlyList<string>? JobIds, string? Language, int? StatusCode);

[CollectionDefinition(Name)]
public sealed class GatewayTestGroup : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
