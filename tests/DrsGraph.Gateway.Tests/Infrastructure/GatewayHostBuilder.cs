using System.Net;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.GraphQLSchema;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>
/// Says what a <see cref="GatewayHost"/> is built with. Settings go on top of appsettings.json in the
/// order given, so a later one wins; with no upstream, the gateway runs its embedded emulator as
/// <c>dotnet run</c> would.
/// </summary>
/// <remarks>
/// The gateway keeps the system clock: its resilience pipeline (retry delays, timeouts) runs on the
/// TimeProvider in DI, and a frozen one would make every retry wait forever. Only the emulator's
/// clock and the cache's own clock are substituted.
/// </remarks>
public sealed class GatewayHostBuilder
{
    private readonly Dictionary<string, string?> _settings = [];
    private readonly List<Action<IServiceCollection>> _services = [];
    private Uri? _upstream;
    private TestEmulator? _sharedEmulator;
    private bool _ownEmulator;
    private TimeProvider? _emulatorClock;
    private IReadOnlyDictionary<string, string?>? _emulatorSettings;
    private LogCapture? _logs;
    private TimeSpan _clientTimeout = TimeSpan.FromSeconds(30);

    internal GatewayHostBuilder()
    {
    }

    /// <summary>An emulator of the gateway's own, started with it and disposed with it.</summary>
    /// <param name="clock">The emulator's clock (e.g. <see cref="TestEmulator.FrozenClock"/>); the system clock when null.</param>
    /// <param name="settings">Emulator settings (tenants, generated jobs).</param>
    public GatewayHostBuilder WithEmulator(TimeProvider? clock = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        (_ownEmulator, _emulatorClock, _emulatorSettings, _sharedEmulator, _upstream) = (true, clock, settings, null, null);
        return this;
    }

    /// <summary>An emulator shared with other gateways (replicas, per-test gateways); the caller disposes it.</summary>
    public GatewayHostBuilder WithEmulator(TestEmulator emulator)
    {
        (_ownEmulator, _sharedEmulator, _upstream) = (false, emulator, null);
        return this;
    }

    /// <summary>Any other upstream: a stub, or a port nobody listens on.</summary>
    public GatewayHostBuilder WithUpstream(Uri drsEndpoint)
    {
        (_ownEmulator, _sharedEmulator, _upstream) = (false, null, drsEndpoint);
        return this;
    }

    public GatewayHostBuilder WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public GatewayHostBuilder WithSettings(IEnumerable<KeyValuePair<string, string?>>? settings)
    {
        foreach (var (key, value) in settings ?? [])
        {
            _settings[key] = value;
        }

        return this;
    }

    /// <summary>A Redis level on <paramref name="redis"/>; replicas with the same <paramref name="keySecret"/> share entries.</summary>
    public GatewayHostBuilder WithRedis(RedisServer redis, string keySecret) =>
        WithSetting("ConnectionStrings:Redis", redis.ConnectionString).WithSetting("Gateway:Cache:KeySecret", keySecret);

    /// <summary>The cache's own expiry clock; the DRS client keeps real time for its retries.</summary>
    public GatewayHostBuilder WithCacheClock(TimeProvider clock) =>
        WithServices(services => services.AddKeyedSingleton(JobCacheExtensions.ClockKey, clock));

    /// <summary>Replaces or adds services after the gateway's own registrations.</summary>
    public GatewayHostBuilder WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    /// <summary>Keeps every log entry, at every level and category, in <see cref="GatewayHost.Logs"/>.</summary>
    public GatewayHostBuilder CaptureLogs()
    {
        _logs ??= new LogCapture();
        return this;
    }

    public GatewayHostBuilder WithClientTimeout(TimeSpan timeout)
    {
        _clientTimeout = timeout;
        return this;
    }

    /// <summary>Starts the emulator (if the gateway has its own), then the gateway.</summary>
    public async Task<GatewayHost> StartAsync()
    {
        var owned = _ownEmulator ? await TestEmulator.StartAsync(_emulatorClock, _emulatorSettings) : null;
        try
        {
            return Start(owned);
        }
        catch
        {
            if (owned is not null)
            {
                await owned.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Starts the gateway; throws what start-up threw (bad options), leaving nothing behind.</summary>
    public GatewayHost Start() => _ownEmulator
        ? throw new InvalidOperationException("A gateway with an emulator of its own starts with StartAsync().")
        : Start(null);

    private GatewayHost Start(TestEmulator? owned)
    {
        var emulator = owned ?? _sharedEmulator;
        var factory = new Factory(emulator?.BaseAddress ?? _upstream, new Dictionary<string, string?>(_settings), [.. _services], _logs);
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
        client.Timeout = _clientTimeout;
        return new GatewayHost(factory, client, emulator, owned is not null, _logs);
    }

    /// <summary>The only WebApplicationFactory of the gateway tests: it owns every substitution.</summary>
    private sealed class Factory(Uri? drsEndpoint, IReadOnlyDictionary<string, string?> settings, IReadOnlyList<Action<IServiceCollection>> services, LogCapture? logs)
        : WebApplicationFactory<JobSchema>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            if (drsEndpoint is not null)
            {
                builder.UseSetting("Drs:Endpoint", drsEndpoint.ToString());
            }

            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureTestServices(collection => services.ToList().ForEach(configure => configure(collection)));
            builder.ConfigureLogging(logging =>
            {
                logging.SetMinimumLevel(LogLevel.Warning).AddConsole();
                if (logs is not null)
                {
                    // A provider-specific rule beats appsettings.json's category rules: this provider sees everything.
                    logging.AddProvider(logs).AddFilter<LogCapture>(null, LogLevel.Trace);
                }
            });
        }
    }
}
