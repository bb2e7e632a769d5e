using System.Reflection;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// Builds a second, throwaway gateway in this process from a replica's configuration (files, environment,
/// command line), with the same composition and no logging of its own. Start-up uses two: one to validate
/// the settings (<see cref="StartupValidation"/>), one to warm the JIT up (<see cref="WarmUpCopy"/>). Neither
/// may be the replica itself before it starts, because validating or serving starts the replica's telemetry.
/// </summary>
internal static class GatewayCopy
{
    /// <summary>
    /// True when a test hosts the gateway (WebApplicationFactory): Program.cs keeps running after the host is
    /// built, but the test starts that host itself, and start-up's copies would only slow every test down.
    /// </summary>
    public static bool HostedByTest => Assembly.GetEntryAssembly() != typeof(GatewayCopy).Assembly;

    /// <summary>
    /// The copy: the replica's settings whose key <paramref name="copies"/> accepts, then <paramref name="settings"/>
    /// on top, composed by <paramref name="compose"/>. Built, not started.
    /// </summary>
    public static WebApplication Build(
        WebApplication replica,
        Func<WebApplicationBuilder, WebApplication> compose,
        Func<string, bool> copies,
        IEnumerable<KeyValuePair<string, string?>> settings)
    {
        ArgumentNullException.ThrowIfNull(replica);
        return Build(replica.Configuration, replica.Environment, compose, copies, settings);
    }

    /// <summary>
    /// The copy of a replica not composed yet, from its builder's <paramref name="configuration"/> and
    /// <paramref name="environment"/>: start-up validates its settings on this copy before composing the replica,
    /// because composing reads settings (and throws on a bad one) before any validation could log it.
    /// </summary>
    public static WebApplication Build(
        IConfiguration configuration,
        IWebHostEnvironment environment,
        Func<WebApplicationBuilder, WebApplication> compose,
        Func<string, bool> copies,
        IEnumerable<KeyValuePair<string, string?>> settings)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(compose);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = environment.ApplicationName,
            EnvironmentName = environment.EnvironmentName,
            ContentRootPath = environment.ContentRootPath,
        });

        // CreateBuilder's own sources (this process's environment, files) give way to the replica's resolved settings.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(configuration.AsEnumerable().Where(pair => pair.Value is not null && copies(pair.Key)));
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        // The process's stop signals are the replica's (see GatewayLifetime), never the copy's.
        builder.Services.AddSingleton<IHostLifetime, InnerHostLifetime>();
        return compose(builder);
    }
}
