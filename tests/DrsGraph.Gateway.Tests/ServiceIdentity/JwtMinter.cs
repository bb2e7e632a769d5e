using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DrsGraph.Gateway.Tests.ServiceIdentity;

/// <summary>
/// Stands in for an organisation's identity provider: a key pair that signs JWTs the tests shape. RSA (RS256) by
/// default; given a curve, ECDSA (ES256/384/512 for P-256/384/521).
/// </summary>
public sealed class JwtMinter(ECCurve? curve = null) : IDisposable
{
    public const string Issuer = "https://idp.example.com/";
    public const string Audience = "drsgraph";

    private readonly AsymmetricAlgorithm _key = curve is { } c ? ECDsa.Create(c) : RSA.Create(2048);

    /// <summary>The public key, as the gateway is configured with it.</summary>
    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>The <c>alg</c> of the tokens it mints.</summary>
    public string Algorithm => _key switch
    {
        ECDsa { KeySize: 256 } => SecurityAlgorithms.EcdsaSha256,
        ECDsa { KeySize: 384 } => SecurityAlgorithms.EcdsaSha384,
        ECDsa => SecurityAlgorithms.EcdsaSha512,
        _ => SecurityAlgorithms.RsaSha256,
    };

    /// <summary>A signed JWT; <paramref name="claims"/> null values are left out, <paramref name="expires"/> relative to now.</summary>
    public string Mint(IDictionary<string, object?> claims, TimeSpan? expires = null, string audience = Audience, string issuer = Issuer)
    {
        var now = DateTime.UtcNow;
        var lifetime = expires ?? TimeSpan.FromMinutes(10);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now + lifetime - TimeSpan.FromMinutes(20),
            NotBefore = now + lifetime - TimeSpan.FromMinutes(20),
            Expires = now + lifetime,
            Claims = claims.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!),
            SigningCredentials = new SigningCredentials(_key is ECDsa ec ? new ECDsaSecurityKey(ec) : new RsaSecurityKey((RSA)_key), Algorithm),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>A JWT signed HS256 with <paramref name="key"/> (a gateway's SymmetricKeys entry), valid for 10 minutes.</summary>
    public static string MintHs256(byte[] key, IDictionary<string, object?> claims)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now.AddMinutes(10),
            Claims = claims.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public void Dispose() => _key.Dispose();
}
