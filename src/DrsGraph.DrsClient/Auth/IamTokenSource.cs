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
            catch (IamTokenException) when (_current is { } old && old.ExpiresAt > time.GetUtcNow())
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
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(url, body, IamJsonContext.Default.AuthRequest, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            // IAM's trouble, told as IAM's: escaping as a connection failure, it passed for DRS's through the DRS
            // client's retries and circuit breaker, and one project's unreachable IAM opened the region's circuit.
            throw new IamTokenException($"IAM could not be reached for {Identity}: {ex.Message}", null, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IamTokenException($"IAM did not answer the token request for {Identity} in time.", null, ex);
        }

        using var answered = response;
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
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new IamTokenException($"IAM's answer to the token request for {Identity} broke off: {ex.GetType().Name}", null, ex);
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
        return new CachedToken(token, expiresAt, refreshAt, issued);
    }

    /// <summary>
    /// DRS refused <paramref name="token"/>: true when the caller should try once more, because the token held now is
    /// another (someone replaced it) or because this one is now due for replacement. A token issued less than
    /// <see cref="RefuseAgainAfter"/> ago is kept (false): IAM just issued it, so DRS refusing it is DRS's verdict, and
    /// a credential DRS keeps refusing does not send every call to IAM.
    /// </summary>
    public bool Refused(string token)
    {
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (current is null || !string.Equals(current.Token, token, StringComparison.Ordinal))
            {
                return current is not null;
            }

            if (time.GetUtcNow() - current.IssuedAt < RefuseAgainAfter)
            {
                return false;
            }

            // Due now (kept as the fallback should IAM fail to issue another before it expires).
            if (Interlocked.CompareExchange(ref _current, current with { RefreshAt = DateTimeOffset.MinValue }, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>How old a token must be before a DRS refusal replaces it. Default 1 minute.</summary>
    public TimeSpan RefuseAgainAfter { get; init; } = TimeSpan.FromMinutes(1);

    private static Uri WithSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    private sealed record CachedToken(string Token, DateTimeOffset ExpiresAt, DateTimeOffset RefreshAt, DateTimeOffset IssuedAt);

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
