using System.Collections.Concurrent;
using DrsGraph.DrsClient;
using DrsGraph.DrsClient.Auth;
using DrsGraph.Gateway.Regions;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.ServiceIdentity;

/// <summary>
/// The DRS credentials the gateway holds, one per project (<c>Gateway:ServiceIdentity:Credentials</c>), built on
/// first use so an IAM endpoint known only after start-up (the embedded emulator's port) works. One instance per
/// project for the life of the process: its IAM token is cached and shared by every caller of that project.
/// </summary>
public sealed class ServiceCredentials(
    IOptions<ServiceIdentityOptions> options,
    IHttpClientFactory httpClients,
    IDrsEndpointProvider drsEndpoint,
    TimeProvider time) : IDisposable
{
    /// <summary>The named client that asks IAM for tokens (redirects never followed: the body holds a password).</summary>
    public const string IamClientName = "DrsGraph.Iam";

    // Keyed by (region, project): the same project ID in two regions is two credentials, each from its region's IAM.
    private readonly ConcurrentDictionary<(string Region, string Project), Lazy<DrsCredential>> _built = new();

    /// <summary>The default region's credential for <paramref name="projectId"/> (the top-level <c>Credentials</c>), or null.</summary>
    public DrsCredential? For(string projectId) => For(null, projectId);

    /// <summary>The credential held for a project of a region (null or the default region: the top-level <c>Credentials</c>), or null.</summary>
    public DrsCredential? For(DrsRegion? region, string projectId)
    {
        var settings = options.Value;
        if (region is null || region.IsDefault)
        {
            return settings.Credentials.TryGetValue(projectId, out var own)
                ? _built.GetOrAdd(("", projectId), _ => new Lazy<DrsCredential>(() => Build(projectId, own, null, null))).Value
                : null;
        }

        return settings.Regions.TryGetValue(region.Name, out var held) && held.Credentials.TryGetValue(projectId, out var credential)
            ? _built.GetOrAdd((region.Name.ToLowerInvariant(), projectId), _ => new Lazy<DrsCredential>(() => Build(projectId, credential, region, held))).Value
            : null;
    }

    private DrsCredential Build(string projectId, ServiceCredentialOptions settings, DrsRegion? region, ServiceRegionOptions? held)
    {
        if (settings.IsAkSk)
        {
            return new AkSkCredential(settings.AccessKey!, settings.SecretKey!, time);
        }

        // Another region's IAM user logs in at that region's IAM (a project-scoped token is regional), never the default's.
        var endpoint = settings.IamEndpoint is { Length: > 0 } own ? new Uri(own)
            : region is not null ? (held?.IamEndpoint is { Length: > 0 } regional ? new Uri(regional) : region.Endpoint!)
            : options.Value.IamEndpoint is { Length: > 0 } shared ? new Uri(shared)
            : drsEndpoint.BaseAddress;
        var login = new IamPasswordLogin(endpoint, settings.Domain!, settings.User!, settings.Password!, projectId);
        return new IamTokenCredential(new IamTokenSource(httpClients.CreateClient(IamClientName), login, time)
        {
            RefreshBefore = options.Value.TokenRefreshBefore,
        });
    }

    public void Dispose()
    {
        foreach (var credential in _built.Values.Where(l => l.IsValueCreated).Select(l => l.Value).OfType<IamTokenCredential>())
        {
            credential.Dispose();
        }
    }
}
