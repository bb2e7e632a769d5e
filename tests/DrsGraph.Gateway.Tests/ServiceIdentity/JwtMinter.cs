using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DrsGraph.Gateway.Tests.ServiceIdentity;

/// <summary>Stands in for an organisation's identity provider: an RSA key pair that signs JWTs the tests shape.</summary>
public sealed class JwtMinter : IDisposable
{
    public const string Issuer = "https://idp.example.com/";
    public const string Audience = "drsgraph";

    private readonly RSA _key = RSA.Create(2048);

    /// <summary>The public key, as the gateway is configured with it.</summary>
    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

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
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_key), SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public void Dispose() => _key.Dispose();
}
