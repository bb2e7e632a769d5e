using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.ServiceIdentity;

/// <summary>
/// A gateway in service-identity mode in front of its own emulator: JWTs from <see cref="Minter"/>; scope
/// <c>drs.read</c> may read the demo project, which the gateway reads with an AK/SK pair; subject
/// <c>svc-billing</c> may read <see cref="OtherProject"/>, read with an IAM user's token. The emulator knows one
/// unrelated token only, so any caller token passed through would be refused.
/// </summary>
public sealed class ServiceIdentityFixture : IAsyncLifetime
{
    public const string DemoProject = TestEmulator.DemoProject;
    public const string OtherProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    /// <summary>Granted to <c>svc-billing</c>, but the gateway's IAM password for it is wrong.</summary>
    public const string MisconfiguredProject = "fedcba9876543210fedcba9876543210";
    /// <summary>Granted to <c>svc-billing</c>, but its IAM endpoint cannot be reached.</summary>
    public const string UnreachableIamProject = "0123456789abcdef0123456789abcdef";
    public const string AccessKey = "HPUAGATEWAYTESTAK001";
    public const string SecretKey = "gateway-test-secret-5b7e2a91";
    public const string IamUser = "svc-drsgraph";
    public const string IamPassword = "gateway-test-password-8c1d";
    public const string IamDomain = "example-domain";

    public JwtMinter Minter { get; } = new();

    public GatewayHost Gateway { get; private set; } = null!;

    public TestEmulator Emulator => Gateway.Emulator!;

    public async Task InitializeAsync()
    {
        Gateway = await GatewayHost.Builder()
            .WithEmulator(settings: EmulatorSettings())
            .WithSettings(Settings(Minter.PublicKeyPem))
            // Only here: the start-up tests run Settings() outside Development, where a plain http IAM is refused.
            .WithSettings(new Dictionary<string, string?>
            {
                ["Gateway:ServiceIdentity:Grants:1:Projects:2"] = UnreachableIamProject,
                [$"Gateway:ServiceIdentity:Credentials:{UnreachableIamProject}:Domain"] = IamDomain,
                [$"Gateway:ServiceIdentity:Credentials:{UnreachableIamProject}:User"] = IamUser,
                [$"Gateway:ServiceIdentity:Credentials:{UnreachableIamProject}:Password"] = IamPassword,
                [$"Gateway:ServiceIdentity:Credentials:{UnreachableIamProject}:IamEndpoint"] = "http://127.0.0.1:1/",
            })
            .CaptureLogs()
            .StartAsync();
    }

    /// <summary>The emulator's side: the AK/SK pair and IAM user the gateway holds, and one unrelated token.</summary>
    public static Dictionary<string, string?> EmulatorSettings() => new()
    {
        ["Emulator:Tenants:some-other-token:0"] = DemoProject,
        [$"Emulator:Iam:AccessKeys:{AccessKey}:SecretKey"] = SecretKey,
        [$"Emulator:Iam:AccessKeys:{AccessKey}:Projects:0"] = DemoProject,
        [$"Emulator:Iam:Users:{IamUser}:Password"] = IamPassword,
        [$"Emulator:Iam:Users:{IamUser}:Domain"] = IamDomain,
        [$"Emulator:Iam:Users:{IamUser}:Projects:0"] = OtherProject,
    };

    /// <summary>The gateway's service-identity settings (tests of start-up validation start from these).</summary>
    public static Dictionary<string, string?> Settings(string publicKeyPem) => new()
    {
        ["Gateway:ServiceIdentity:Enabled"] = "true",
        ["Gateway:ServiceIdentity:Issuer"] = JwtMinter.Issuer,
        ["Gateway:ServiceIdentity:Audience"] = JwtMinter.Audience,
        ["Gateway:ServiceIdentity:PublicKeys:0"] = publicKeyPem,
        ["Gateway:ServiceIdentity:Grants:0:Claim"] = "scope",
        ["Gateway:ServiceIdentity:Grants:0:Value"] = "drs.read",
        ["Gateway:ServiceIdentity:Grants:0:Projects:0"] = DemoProject,
        ["Gateway:ServiceIdentity:Grants:1:Claim"] = "sub",
        ["Gateway:ServiceIdentity:Grants:1:Value"] = "svc-billing",
        ["Gateway:ServiceIdentity:Grants:1:Projects:0"] = OtherProject,
        ["Gateway:ServiceIdentity:Grants:1:Projects:1"] = MisconfiguredProject,
        [$"Gateway:ServiceIdentity:Credentials:{MisconfiguredProject}:Domain"] = IamDomain,
        [$"Gateway:ServiceIdentity:Credentials:{MisconfiguredProject}:User"] = IamUser,
        [$"Gateway:ServiceIdentity:Credentials:{MisconfiguredProject}:Password"] = "not-the-password",
        [$"Gateway:ServiceIdentity:Credentials:{DemoProject}:AccessKey"] = AccessKey,
        [$"Gateway:ServiceIdentity:Credentials:{DemoProject}:SecretKey"] = SecretKey,
        [$"Gateway:ServiceIdentity:Credentials:{OtherProject}:Domain"] = IamDomain,
        [$"Gateway:ServiceIdentity:Credentials:{OtherProject}:User"] = IamUser,
        [$"Gateway:ServiceIdentity:Credentials:{OtherProject}:Password"] = IamPassword,
    };

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        Minter.Dispose();
    }
}
