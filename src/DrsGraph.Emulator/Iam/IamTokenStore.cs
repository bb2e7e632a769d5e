using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace DrsGraph.Emulator.Iam;

/// <summary>The tokens the emulated IAM issued: opaque random strings, each scoped to one project, with an expiry.</summary>
public sealed class IamTokenStore(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);
    private int _issued;

    /// <summary>Tokens issued since start: lets tests see that a client asked once, not once per call.</summary>
    public int IssuedCount => Volatile.Read(ref _issued);

    public IssuedToken Issue(string user, string projectId, TimeSpan lifetime)
    {
        // Real IAM tokens are ~2-10 KB base64; a shorter random one is enough to be unguessable.
        var value = "MII" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).Replace('+', '-').Replace('/', '_');
        var now = time.GetUtcNow();
        var token = new IssuedToken(value, user, projectId, now, now + lifetime);
        _tokens[value] = token;
        Interlocked.Increment(ref _issued);
        return token;
    }

    public IssuedToken? Find(string token) => _tokens.TryGetValue(token, out var issued) ? issued : null;
}
