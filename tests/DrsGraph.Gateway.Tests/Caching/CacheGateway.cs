using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.Gateway.Tests.Caching;

/// <summary>
/// One gateway replica on real Kestrel for the cache tests: its own settings, and the cache's own
/// clock (a FakeTimeProvider the test moves) while the DRS client keeps real time for its retries.
/// </summary>
public sealed class CacheGateway : WebApplicationFactory<JobSchema>
{
    private readonly Uri _drs;
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private HttpClient? _client;

    private CacheGateway(Uri drs, FakeTimeProvider clock, IReadOnlyDictionary<string, string?> settings)
    {
        _drs = drs;
        Clock = clock;
        _settings = settings;
    }

    /// <summary>The cache's expiry clock (only the cache's).</summary>
    public FakeTimeProvider Clock { get; }

    public HttpClient Client => _client ?? throw new InvalidOperationException("Not started.");

    public static CacheGateway Start(Uri drs, FakeTimeProvider clock, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var gateway = new CacheGateway(drs, clock, settings ?? new Dictionary<string, string?>());
        // Listen() rather than UseKestrel(0): the port overload edits the server addresses after build,
        // racing Kestrel's own bind ("Addresses cannot be modified after the server has started",
        // dotnet/aspnetcore#67714).
        gateway.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        gateway.StartServer();
        gateway._client = gateway.CreateClient();
        gateway._client.Timeout = TimeSpan.FromSeconds(30);
        return gateway;
    }

    public async Task<GraphQLAnswer> QueryAsync(string query, string token, string? project = null, string? language = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query }) };
        request.Headers.Add("X-Auth-Token", token);
        if (project is not null)
        {
            request.Headers.Add("X-Project-Id", project);
        }

        if (language is not null)
        {
            request.Headers.Add("X-Language", language);
        }

        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new GraphQLAnswer((int)response.StatusCode, JsonNode.Parse(text)!.AsObject(), text);
    }

    /// <summary>The Redis level of this replica (throws when it has none).</summary>
    public RedisJobCache Redis => Services.GetRequiredService<RedisJobCache>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Drs:Endpoint", _drs.ToString());
        // Hundreds of pollers share one token here on purpose; the per-caller rate limit has its own tests.
        builder.UseSetting("Gateway:Security:RateLimit:Enabled", "false");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services => services.AddKeyedSingleton<TimeProvider>(JobCacheExtensions.ClockKey, Clock));
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _client?.Dispose();
        }

        base.Dispose(disposing);
    }
}
