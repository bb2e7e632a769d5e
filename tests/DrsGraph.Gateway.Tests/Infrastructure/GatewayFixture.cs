using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>
/// One emulator and one gateway in front of it (a <see cref="GatewayHost"/>), the emulator on a frozen
/// clock so every answer is deterministic. Tests of one collection run one after the other, so the
/// emulator's request log counts exactly what each test caused.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string Token = "gateway-tests-token";
    public const string DemoProject = TestEmulator.DemoProject;

    public FakeTimeProvider Time { get; } = TestEmulator.FrozenClock();

    public GatewayHost Host { get; private set; } = null!;

    public WebApplication Emulator => Host.Emulator!.App;

    public HttpClient EmulatorClient => Host.Emulator!.Control;

    public HttpClient Client => Host.Client;

    // Every class of the collection sends as one caller (one token), one request after another, and a
    // 250-job query costs 11 permits: with the default bucket (100, then 50 a second) a fast run of the
    // collection was refused RATE_LIMITED now and then. The rate limiter has hosts of its own (RateLimitTests).
    public async Task InitializeAsync() => Host = await GatewayHost.Builder().WithEmulator(Time)
        .WithSetting("Gateway:Security:RateLimit:Enabled", "false").StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>POSTs a GraphQL request as application/json and reads the answer.</summary>
    public Task<GraphQLAnswer> QueryAsync(string query, object? variables = null, string? token = Token, IDictionary<string, string>? headers = null) =>
        Host.QueryAsync(query, token, variables, headers);

    /// <summary>Every upstream call the emulator received since the last <see cref="ClearUpstreamLogAsync"/>.</summary>
    public Task<IReadOnlyList<UpstreamCall>> UpstreamCallsAsync() => Host.Emulator!.UpstreamCallsAsync();

    public Task ClearUpstreamLogAsync() => Host.Emulator!.ClearUpstreamLogAsync();

    public Task SetFaultsAsync(object faults) => Host.Emulator!.SetFaultsAsync(faults);

    public Task ClearFaultsAsync() => Host.Emulator!.ClearFaultsAsync();

    /// <summary>Creates jobs in the emulator and returns their IDs.</summary>
    public Task<IReadOnlyList<string>> CreateJobsAsync(int count, string status = "FULL_TRANSFER_STARTED", string project = DemoProject) =>
        Host.Emulator!.CreateJobsAsync(count, status, project);

    public static string Pretty(JsonNode node) =>
        node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public static string IdList(IEnumerable<string> ids) => "[" + string.Join(", ", ids.Select(id => $"\"{id}\"")) + "]";
}

[CollectionDefinition(Name)]
public sealed class GatewayTestGroup : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
