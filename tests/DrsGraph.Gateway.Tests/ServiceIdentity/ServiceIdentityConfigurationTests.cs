using System.Security.Cryptography;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Gateway.Tests.ServiceIdentity;

/// <summary>Service identities are off unless switched on, and a switched-on mode with a bad setting does not start.</summary>
public sealed class ServiceIdentityConfigurationTests
{
    private const string Ed25519PublicKey = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA73WYwcyjOsYxXJjZKw6tf+5AtaSc3koA7eNQzSyxcM4=\n-----END PUBLIC KEY-----";

    /// <remarks>
    /// An EC key in PublicKeys crashed start-up (exit 134): reading it as RSA threw CryptographicException, which the
    /// fall-back to EC did not catch.
    /// </remarks>
    [Theory]
    [InlineData("nistP256")]
    [InlineData("nistP384")]
    [InlineData("nistP521")]
    public async Task An_ec_public_key_starts_the_gateway_and_accepts_the_jwts_it_signs(string curve)
    {
        using var minter = new JwtMinter(ECCurve.CreateFromFriendlyName(curve));
        await using var gateway = await GatewayHost.Builder().WithEmulator(settings: ServiceIdentityFixture.EmulatorSettings()).WithSettings(ServiceIdentityFixture.Settings(minter.PublicKeyPem)).StartAsync();
        using var rsa = new JwtMinter();

        var jwt = minter.Mint(new Dictionary<string, object?> { ["sub"] = "svc-reports", ["scope"] = "drs.read" });
        var answer = await gateway.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }", null, headers: [new("Authorization", "Bearer " + jwt)]);
        var unsigned = await gateway.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }", null,
            headers: [new("Authorization", "Bearer " + rsa.Mint(new Dictionary<string, object?> { ["sub"] = "svc-reports", ["scope"] = "drs.read" }))]);

        Assert.StartsWith("ES", minter.Algorithm, StringComparison.Ordinal);
        answer.AssertNoErrors();
        Assert.Equal(["INVALID_BEARER_TOKEN"], unsigned.Codes.Distinct());
    }

    [Fact]
    public async Task Off_by_default_callers_tokens_are_passed_through()
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().StartAsync();

        Assert.IsType<HeaderCallerResolver>(gateway.Services.GetRequiredService<ICallerResolver>());
        (await gateway.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }", "any-token")).AssertNoErrors();
    }

    [Theory]
    [InlineData("Gateway:ServiceIdentity:Issuer", "", "Issuer and :Audience are required")]
    [InlineData("Gateway:ServiceIdentity:PublicKeys:0", "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----", "not a PEM RSA or EC public key")]
    // A well-formed PEM of a key that is neither RSA nor EC (Ed25519): both imports throw CryptographicException,
    // which used to escape validation and crash start-up with a stack trace.
    [InlineData("Gateway:ServiceIdentity:PublicKeys:0", Ed25519PublicKey, "not a PEM RSA or EC public key")]
    [InlineData("Gateway:ServiceIdentity:SymmetricKeys:0", "c2hvcnQ=", "not base64 of at least 32 bytes")]
    [InlineData("Gateway:ServiceIdentity:Grants:0:Projects:1", "99999999999999999999999999999999", "has no credential for it")]
    [InlineData("Gateway:ServiceIdentity:Credentials:" + ServiceIdentityFixture.DemoProject + ":User", "someone", "not both")]
    [InlineData("Gateway:ServiceIdentity:Credentials:" + ServiceIdentityFixture.DemoProject + ":SecretKey", "", "AccessKey and SecretKey go together")]
    [InlineData("Gateway:ServiceIdentity:IamEndpoint", "iam.example.com", "IamEndpoint must be an absolute http(s) URL")]
    // Accepted before: the query was dropped without a word, and credentials in the URL travelled with each token request.
    [InlineData("Gateway:ServiceIdentity:IamEndpoint", "https://admin:pw@iam.example.com/", "IamEndpoint must be an absolute http(s) URL, without user:password@, query or fragment")]
    [InlineData("Gateway:ServiceIdentity:IamEndpoint", "https://iam.example.com/?region=x", "IamEndpoint must be an absolute http(s) URL, without user:password@")]
    [InlineData("Gateway:ServiceIdentity:Credentials:" + ServiceIdentityFixture.OtherProject + ":IamEndpoint", "https://iam.example.com/#x", "IamEndpoint must be an absolute http(s) URL, without")]
    [InlineData("Gateway:ServiceIdentity:ClockSkew", "01:00:00", "ClockSkew")]
    public void A_bad_setting_stops_start_up_naming_it(string key, string value, string reason)
    {
        using var minter = new JwtMinter();
        var settings = ServiceIdentityFixture.Settings(minter.PublicKeyPem);
        settings[key] = value;

        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithUpstream(new Uri("http://127.0.0.1:9")).WithSettings(settings).Start());

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    /// <remarks>
    /// Each was accepted: a 512-bit RSA key (factored in hours, then any JWT forged) whose JWTs were honoured, a private key
    /// (its secret sat in the gateway's settings, and it verified as its public half), keys on curves no accepted algorithm
    /// signs on. And a valid symmetric key longer than 512 bytes was refused as "not base64".
    /// </remarks>
    [Theory]
    [InlineData("rsa512", "an RSA key of 512 bits: at least 2048 are needed")]
    [InlineData("rsa1024", "an RSA key of 1024 bits: at least 2048 are needed")]
    [InlineData("rsa-private", "a private key: give only its public key")]
    [InlineData("ec-private", "a private key: give only its public key")]
    [InlineData("rsa-public-twice", "not a PEM RSA or EC public key")]
    [InlineData("secp256k1", "an EC key on a curve other than P-256, P-384 or P-521")]
    public void A_weak_or_secret_public_key_stops_start_up_naming_why(string kind, string reason)
    {
        using var minter = new JwtMinter();
        var settings = ServiceIdentityFixture.Settings(minter.PublicKeyPem);
        settings["Gateway:ServiceIdentity:PublicKeys:0"] = kind switch
        {
            "rsa512" => RSA.Create(512).ExportSubjectPublicKeyInfoPem(),
            "rsa1024" => RSA.Create(1024).ExportSubjectPublicKeyInfoPem(),
            "rsa-private" => RSA.Create(2048).ExportPkcs8PrivateKeyPem(),
            "ec-private" => ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem(),
            "rsa-public-twice" => minter.PublicKeyPem + "\n" + RSA.Create(2048).ExportSubjectPublicKeyInfoPem(),
            _ => ECDsa.Create(ECCurve.CreateFromValue("1.3.132.0.10")).ExportSubjectPublicKeyInfoPem(),
        };

        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithUpstream(new Uri("http://127.0.0.1:9")).WithSettings(settings).Start());

        Assert.Contains("Gateway:ServiceIdentity:PublicKeys holds " + (reason.StartsWith("not", StringComparison.Ordinal) ? "an entry that is " : ""), error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY-----", error.ToString(), StringComparison.Ordinal);
    }

    /// <remarks>The binder added configured claims to the default list: `sub` stayed required whatever was configured.</remarks>
    [Fact]
    public async Task Configured_required_claims_replace_sub()
    {
        using var minter = new JwtMinter();
        var settings = ServiceIdentityFixture.Settings(minter.PublicKeyPem);
        settings["Gateway:ServiceIdentity:RequiredClaims:0"] = "tenant";
        await using var gateway = await GatewayHost.Builder().WithEmulator(settings: ServiceIdentityFixture.EmulatorSettings()).WithSettings(settings).StartAsync();
        const string Query = "{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }";

        var withTenant = await gateway.QueryAsync(Query, null, headers: [new("Authorization", "Bearer " + minter.Mint(new Dictionary<string, object?> { ["tenant"] = "t1", ["scope"] = "drs.read" }))]);
        var withSubOnly = await gateway.QueryAsync(Query, null, headers: [new("Authorization", "Bearer " + minter.Mint(new Dictionary<string, object?> { ["sub"] = "svc-reports", ["scope"] = "drs.read" }))]);

        withTenant.AssertNoErrors();
        Assert.Equal(["INVALID_BEARER_TOKEN"], withSubOnly.Codes);
        Assert.Equal("The bearer token lacks the 'tenant' claim.", withSubOnly.Errors[0]?["message"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_symmetric_key_longer_than_512_bytes_is_taken()
    {
        var key = RandomNumberGenerator.GetBytes(600);
        using var minter = new JwtMinter();
        var settings = ServiceIdentityFixture.Settings(minter.PublicKeyPem);
        settings["Gateway:ServiceIdentity:SymmetricKeys:0"] = Convert.ToBase64String(key);
        await using var gateway = await GatewayHost.Builder().WithEmulator(settings: ServiceIdentityFixture.EmulatorSettings()).WithSettings(settings).StartAsync();

        var jwt = JwtMinter.MintHs256(key, new Dictionary<string, object?> { ["sub"] = "svc-reports", ["scope"] = "drs.read" });
        var answer = await gateway.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }", null, headers: [new("Authorization", "Bearer " + jwt)]);

        answer.AssertNoErrors();
    }

    /// <remarks>
    /// A bad symmetric key was reported as a problem of PublicKeys: the start-up line read "Gateway:ServiceIdentity:PublicKeys
    /// is invalid: Gateway:ServiceIdentity:SymmetricKeys holds ...", pointing the operator at the wrong setting.
    /// </remarks>
    [Fact]
    public void A_bad_symmetric_key_is_reported_under_its_own_setting()
    {
        using var minter = new JwtMinter();
        var settings = ServiceIdentityFixture.Settings(minter.PublicKeyPem);
        settings["Gateway:ServiceIdentity:SymmetricKeys:0"] = "c2hvcnQ=";

        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithUpstream(new Uri("http://127.0.0.1:9")).WithSettings(settings).Start());

        Assert.Contains("members: 'SymmetricKeys'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'PublicKeys'", error.Message, StringComparison.Ordinal);
    }

    /// <remarks>
    /// The gateway sends its IAM users' passwords to the IAM endpoint: an http:// one was accepted in Production,
    /// where Drs:Endpoint over http is refused for carrying tokens in clear text.
    /// </remarks>
    [Theory]
    [InlineData("Gateway:ServiceIdentity:IamEndpoint", "Drs:AllowInsecureEndpoint")]
    [InlineData("Gateway:ServiceIdentity:Credentials:" + ServiceIdentityFixture.OtherProject + ":IamEndpoint", "Drs:AllowInsecureEndpoint")]
    [InlineData("Gateway:ServiceIdentity:Regions:eu-nl:IamEndpoint", "Drs:Regions:eu-nl:AllowInsecureEndpoint")]
    [InlineData("Gateway:ServiceIdentity:Regions:eu-nl:Credentials:" + ServiceIdentityFixture.OtherProject + ":IamEndpoint", "Drs:Regions:eu-nl:AllowInsecureEndpoint")]
    public async Task A_plain_http_iam_endpoint_stops_start_up_outside_development_unless_its_region_allows_it(string key, string allowSetting)
    {
        using var minter = new JwtMinter();
        Dictionary<string, string?> Settings(bool allow)
        {
            var settings = ServiceIdentityFixture.Settings(minter.PublicKeyPem);
            settings["environment"] = "Production";
            settings["Drs:Regions:eu-nl:Endpoint"] = "https://drs.eu-nl.example.com";
            settings["Gateway:ServiceIdentity:Regions:eu-nl:Credentials:" + ServiceIdentityFixture.OtherProject + ":AccessKey"] = "AK";
            settings["Gateway:ServiceIdentity:Regions:eu-nl:Credentials:" + ServiceIdentityFixture.OtherProject + ":SecretKey"] = "SK";
            // No user:password@ (refused on its own now, in a line that never quotes the URL).
            settings[key] = "http://iam.example.com";
            if (allow)
            {
                // The emulator answers over http too: the default region's opt-in is needed for it either way.
                settings[allowSetting] = "true";
                settings["Drs:AllowInsecureEndpoint"] = "true";
            }

            return settings;
        }

        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithUpstream(new Uri("https://drs.example.com")).WithSettings(Settings(allow: false)).Start());
        await using var allowed = await GatewayHost.Builder().WithEmulator(settings: ServiceIdentityFixture.EmulatorSettings()).WithSettings(Settings(allow: true)).StartAsync();

        Assert.Contains($"{key} 'http://iam.example.com' is plain http outside the Development environment", error.Message, StringComparison.Ordinal);
        Assert.Contains(allowSetting + "=true", error.Message, StringComparison.Ordinal);
        var jwt = minter.Mint(new Dictionary<string, object?> { ["sub"] = "svc-reports", ["scope"] = "drs.read" });
        (await allowed.QueryAsync("{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }", null, headers: [new("Authorization", "Bearer " + jwt)])).AssertNoErrors();
    }
}
