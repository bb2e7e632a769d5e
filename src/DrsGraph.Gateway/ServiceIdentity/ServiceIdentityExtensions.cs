using System.Security.Cryptography;
using DrsGraph.Gateway.Callers;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace DrsGraph.Gateway.ServiceIdentity;

public static class ServiceIdentityExtensions
{
    /// <summary>
    /// Service identities (<c>Gateway:ServiceIdentity</c>), only when <c>Enabled</c>: the JwtBearer scheme
    /// configured from the options (issuer, audience, keys, lifetime required), the credentials held per project
    /// and the resolver that turns a caller's JWT into one of them. Off, nothing is registered and callers' own
    /// <c>X-Auth-Token</c> is passed through as before. The options are validated at start-up either way.
    /// </summary>
    public static WebApplicationBuilder AddServiceIdentity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ServiceIdentityOptions>()
            .BindConfiguration(ServiceIdentityOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServiceIdentityOptions>, ServiceRegionValidation>();
        if (!builder.Configuration.GetValue<bool>(ServiceIdentityOptions.EnabledSetting))
        {
            return builder;
        }

        services.AddAuthentication().AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<ServiceIdentityOptions>>(static (jwt, identity) => Configure(jwt, identity.Value));

        services.AddHttpClient(ServiceCredentials.IamClientName)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false, ActivityHeadersPropagator = DrsGraph.DrsClient.TraceContextOnly.Instance, Proxy = DrsGraph.DrsClient.HttpsOnlyProxy.FromEnvironment() })
            // The token comes back in a header and the password goes in the body: neither may reach a log. The factory's
            // request logging is off (its structured state held the headers' values, whatever the redaction).
            .RemoveAllLoggers();
        services.TryAddSingleton<ServiceCredentials>();
        services.Replace(ServiceDescriptor.Singleton<ICallerResolver, ServiceCallerResolver>());
        return builder;
    }

    private static void Configure(JwtBearerOptions jwt, ServiceIdentityOptions identity)
    {
        // Claim types as written in the token ("sub", "scope"), not mapped to long XML names.
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = identity.Issuer,
            ValidAudience = identity.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = identity.ClockSkew,
            IssuerSigningKeys = [.. SigningKeys(identity)],
        };
    }

    private static IEnumerable<SecurityKey> SigningKeys(ServiceIdentityOptions identity)
    {
        foreach (var pem in identity.PublicKeys)
        {
            yield return PublicKey(pem);
        }

        foreach (var base64 in identity.SymmetricKeys)
        {
            yield return new SymmetricSecurityKey(Convert.FromBase64String(base64));
        }
    }

    // The keys live as long as the options: the JWT handler uses them for every request. Validation refused every
    // entry ImportPublicKey does not take (a private key, a short RSA key, another curve) before this runs.
    private static SecurityKey PublicKey(string pem) => ServiceIdentityOptions.ImportPublicKey(pem, out _) switch
    {
        RSA rsa => new RsaSecurityKey(rsa),
        ECDsa ec => new ECDsaSecurityKey(ec),
        _ => throw new InvalidOperationException($"{ServiceIdentityOptions.SectionName}:PublicKeys holds an entry that is not a PEM RSA or EC public key."),
    };
}
