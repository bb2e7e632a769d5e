using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.PersistedOperations;

/// <summary>
/// One emulator, a folder and a manifest of trusted documents, and two gateways in front of the emulator: an open one
/// (APQ on, GET answers cacheable for 30 s) and a trusted-only one whose IDE may run anything.
/// </summary>
public sealed class PersistedOperationsFixture : IAsyncLifetime
{
    public const string Token = GatewayFixture.Token;
    public const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    /// <summary>A trusted document of the folder (<c>jobStatus.graphql</c>).</summary>
    public const string JobStatus = "query jobStatus($id: ID!) { job(id: $id) { id status } }";

    /// <summary>A trusted document of the manifest (id <c>jobName</c>).</summary>
    public const string JobName = "query jobName($id: ID!) { job(id: $id) { id detail { name } } }";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "drsgraph-trusted-" + Guid.NewGuid().ToString("N"));

    public TestEmulator Emulator { get; private set; } = null!;

    public GatewayHost Open { get; private set; } = null!;

    public GatewayHost TrustedOnly { get; private set; } = null!;

    public string TrustedFolder => Path.Combine(_folder, "documents");

    public string Manifest => Path.Combine(_folder, "persisted.json");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(TrustedFolder);
        await File.WriteAllTextAsync(Path.Combine(TrustedFolder, "jobStatus.graphql"), JobStatus);
        await File.WriteAllTextAsync(Manifest, System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["jobName"] = JobName }));
        Emulator = await TestEmulator.StartAsync(TestEmulator.FrozenClock());
        Open = Gateway().WithSetting("Gateway:PersistedOperations:GetMaxAge", "00:00:30").Start();
        TrustedOnly = Gateway()
            .WithSetting("Gateway:PersistedOperations:OnlyTrustedDocuments", "true")
            .WithSetting("Gateway:PersistedOperations:AllowUntrustedFromIde", "true")
            .Start();
    }

    public async Task DisposeAsync()
    {
        await Open.DisposeAsync();
        await TrustedOnly.DisposeAsync();
        await Emulator.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A gateway in front of the shared emulator with both trusted document sources configured.</summary>
    public GatewayHostBuilder Gateway() => GatewayHost.Builder()
        .WithEmulator(Emulator)
        .WithSetting("Gateway:PersistedOperations:TrustedDocumentsFolder", TrustedFolder)
        .WithSetting("Gateway:PersistedOperations:TrustedDocumentsManifest", Manifest);

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>A query no test has sent before, so its hash is unknown to every store.</summary>
    public static string FreshQuery() => $"query fresh_{Guid.NewGuid():N} {{ job(id: \"{JobId}\") {{ id status }} }}";

    /// <summary>A query no test has sent before that asks DRS nothing, so a token the emulator does not know runs it too.</summary>
    public static string FreshTypenameQuery() => $"query fresh_{Guid.NewGuid():N} {{ __typename }}";

    public static object Extensions(string hash) => new { persistedQuery = new { version = 1, sha256Hash = hash } };

    /// <summary>POSTs any JSON body (a request or a batch) accepting the spec's media type, with the test token unless <paramref name="headers"/> name another.</summary>
    public static Task<GraphQLAnswer> PostAsync(GatewayHost gateway, object body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(body) };
        request.Headers.Accept.ParseAdd(GatewayHost.GraphQLResponseJson);
        if (!headers.Any(header => string.Equals(header.Name, "X-Auth-Token", StringComparison.OrdinalIgnoreCase)))
        {
            request.Headers.Add("X-Auth-Token", Token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return gateway.SendAsync(request);
    }
}
