using System.Collections.Concurrent;
using DrsGraph.DrsClient;
using DrsGraph.DrsClient.Auth;
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

    // Keyed by project; with regions the key becomes (region, project), nothing else changes.
    private readonly ConcurrentDictionary<string, Lazy<DrsCredential>> _built = new(StringComparer.Ordinal);

    /// <summary>The credential held for <paramref name="projectId"/>, or null when there is none.</summary>
    public DrsCredential? For(string projectId)
    {
        if (!options.Value.Credentials.TryGetValue(projectId, out var settings))
        {
            return null;
        }

        return _built.GetOrAdd(projectId, project => new Lazy<DrsCredential>(() => Build(project, settings))).Value;
    }

    private DrsCredential Build(string projectId, ServiceCredentialOptions settings)
    {
        if (settings.IsAkSk)
        {
            return new AkSkCredential(settings.AccessKey!, settings.SecretKey!, time);
        }

        var endpoint = settings.IamEndpoint is { Length: > 0 } own ? new Uri(own)
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
