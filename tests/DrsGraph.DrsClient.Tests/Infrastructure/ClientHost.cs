using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DrsGraph.DrsClient.Tests.Infrastructure;

/// <summary>
/// A real DI container with <c>AddDrsClient()</c> and in-memory configuration, as a host would
/// build it. Each test gets its own, so circuit-breaker state never carries over.
/// </summary>
public sealed class ClientHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private ClientHost(ServiceProvider services, CapturingLoggerProvider logs)
    {
        _services = services;
        Logs = logs;
    }

    public IDrsClient Client => _services.GetRequiredService<IDrsClient>();

    public CapturingLoggerProvider Logs { get; }

    public IServiceProvider Services => _services;

    /// <summary>Builds the host against <paramref name="endpoint"/>; <paramref name="settings"/> adds <c>Drs:*</c> keys.</summary>
    public static ClientHost Create(Uri? endpoint, IDictionary<string, string?>? settings = null)
    {
        var config = new Dictionary<string, string?>();
        if (endpoint is not null)
        {
            config["Drs:Endpoint"] = endpoint.ToString();
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddDrsClient();
        return new ClientHost(services.BuildServiceProvider(validateScopes: true), logs);
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
