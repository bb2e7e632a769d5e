using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Gateway.Tests.ServiceIdentity;

/// <summary>Service identities are off unless switched on, and a switched-on mode with a bad setting does not start.</summary>
public sealed class ServiceIdentityConfigurationTests
{
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
    [InlineData("Gateway:ServiceIdentity:SymmetricKeys:0", "c2hvcnQ=", "not base64 of at least 32 bytes")]
    [InlineData("Gateway:ServiceIdentity:Grants:0:Projects:1", "99999999999999999999999999999999", "has no credential for it")]
    [InlineData("Gateway:ServiceIdentity:Credentials:" + ServiceIdentityFixture.DemoProject + ":User", "someone", "not both")]
    [InlineData("Gateway:ServiceIdentity:Credentials:" + ServiceIdentityFixture.DemoProject + ":SecretKey", "", "AccessKey and SecretKey go together")]
    [InlineData("Gateway:ServiceIdentity:IamEndpoint", "iam.example.com", "IamEndpoint must be an absolute http(s) URL")]
    [InlineData("Gateway:ServiceIdentity:ClockSkew", "01:00:00", "ClockSkew")]
    public void A_bad_setting_stops_start_up_naming_it(string key, string value, string reason)
    {
        using var minter = new JwtMinter();
        var settings = ServiceIdentityFixture.Settings(minter.PublicKeyPem);
        settings[key] = value;

        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithUpstream(new Uri("http://127.0.0.1:9")).WithSettings(settings).Start());

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
