using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DrsGraph.DrsClient.Auth;

/// <summary>
/// One IAM token for one login, obtained on first use and cached until <see cref="RefreshBefore"/> its
/// <c>expires_at</c> (24 h after issue; half-way through its life when it lives less than twice that): one request at
/// a time asks IAM (single-flight), every other caller waits for it. A refresh that fails while the old token is still valid keeps the old one; the token itself
/// is never logged or put in an exception.
/// </summary>
public sealed class IamTokenSource(HttpClient http, IamPasswordLogin login, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CachedToken? _current;

    /// <summary>How long before expiry the token is replaced. Default 1 h: callers never race an expiring token.</summary>
    public TimeSpan RefreshBefore { get; init; } = TimeSpan.FromHours(1);

    public string Identity { get; } = $"iam:{login.Domain}/{login.User}@{login.ProjectId}";

    /// <summary>How many tokens IAM issued to this source (for tests and metrics).</summary>
    public int Acquisitions => _acquisitions;

    private int _acquisitions;

    /// <summary>A valid token, from the cache or freshly obtained.</summary>
    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (Usable(_current) is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Someone else may have refreshed it while this caller waited.
            if (Usable(_current) is { } refreshed)
            {
                return refreshed;
            }

            try
            {
                _current = await AcquireAsync(cancellationToken);
                Interlocked.Increment(ref _acquisitions);
                return _current.Token;
            }
            catch (Exception ex) when (ex is IamTokenException or HttpRequestException && _current is { } old && old.ExpiresAt > time.GetUtcNow())
            {
                // IAM failing while the old token still works: keep using it, ask again on the next call.
                return old.Token;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private string? Usable(CachedToken? token) =>
        token is not null && time.GetUtcNow() < token.RefreshAt ? token.Token : null;

    private async Task<CachedToken> AcquireAsync(CancellationToken cancellationToken)
    {
        var body = new AuthRequest(new AuthBody(
            new IdentityBody(["password"], new PasswordMethod(new User(login.User, login.Password, new Named(login.Domain)))),
            new Scope(new ProjectScope(login.ProjectId))));
        var url = new Uri(WithSlash(login.IamEndpoint), "v3/auth/tokens");
        using var response = await http.PostAsJsonAsync(url, body, IamJsonContext.Default.AuthRequest, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created && response.StatusCode != HttpStatusCode.OK)
        {
            throw new IamTokenException($"IAM refused the token request for {Identity} with HTTP {(int)response.StatusCode}.", response.StatusCode);
        }

        var token = response.Headers.TryGetValues("X-Subject-Token", out var values) ? values.FirstOrDefault() : null;
        TokenAnswer? answer;
        try
        {
            answer = await response.Content.ReadFromJsonAsync(IamJsonContext.Default.TokenAnswer, cancellationToken);
        }
        catch (JsonException)
        {
            answer = null;
        }

        if (string.IsNullOrEmpty(token) || answer?.Token?.ExpiresAt is not { } expiresAt)
        {
            throw new IamTokenException($"IAM answered the token request for {Identity} without X-Subject-Token or token.expires_at.", response.StatusCode);
        }

        // Replaced RefreshBefore before expiry, or half-way through its life when it lives shorter than that: a token
        // issued for 30 minutes against the default hour was "due" at once, and every DRS call logged in to IAM again.
        var issued = time.GetUtcNow();
        var lifetime = expiresAt - issued;
        var refreshAt = lifetime > RefreshBefore * 2 ? expiresAt - RefreshBefore : issued + (lifetime / 2);
        return new CachedToken(token, expiresAt, refreshAt);
    }

    private static Uri WithSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    private sealed record CachedToken(string Token, DateTimeOffset ExpiresAt, DateTimeOffset RefreshAt);

    internal sealed record AuthRequest([property: JsonPropertyName("auth")] AuthBody Auth);

    internal sealed record AuthBody([property: JsonPropertyName("identity")] IdentityBody Identity, [property: JsonPropertyName("scope")] Scope Scope);

    internal sealed record IdentityBody([property: JsonPropertyName("methods")] IReadOnlyList<string> Methods, [property: JsonPropertyName("password")] PasswordMethod Password);

    internal sealed record PasswordMethod([property: JsonPropertyName("user")] User User);

    internal sealed record User([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("password")] string Password, [property: JsonPropertyName("domain")] Named Domain);

    internal sealed record Named([property: JsonPropertyName("name")] string Name);

    internal sealed record Scope([property: JsonPropertyName("project")] ProjectScope Project);

    internal sealed record ProjectScope([property: JsonPropertyName("id")] string Id);

    internal sealed record TokenAnswer([property: JsonPropertyName("token")] TokenBody? Token);

    internal sealed record TokenBody([property: JsonPropertyName("expires_at")] DateTimeOffset? ExpiresAt);
}
