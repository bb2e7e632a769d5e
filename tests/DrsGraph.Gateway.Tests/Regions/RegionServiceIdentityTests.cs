using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.Infrastructure;
using DrsGraph.Gateway.Tests.ServiceIdentity;

namespace DrsGraph.Gateway.Tests.Regions;

/// <summary>
/// Service identities across two regions: grants and credentials per (region, project), each region's DRS verifying
/// its own AK/SK signatures and issuing its own IAM tokens. A grant in one region never opens the same project ID
/// in another.
/// </summary>
public sealed class RegionServiceIdentityTests : IAsyncLifetime, IDisposable
{
    private const string Away = TwoRegionRig.AwayRegion;
    private const string HomeProject = TestEmulator.DemoProject;
    private const string AwayProject = TwoRegionRig.AwayProject;
    private const string AwayIamProject = "b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6";
    private const string HomeAk = "HPUAHOMEREGIONAK0001";
    private const string HomeSk = "home-region-secret-1f2e";
    private const string AwayAk = "HPUAAWAYREGIONAK0001";
    private const string AwaySk = "away-region-secret-9c8b";
    private const string AwayUser = "svc-away";
    private const string AwayPassword = "away-region-password-4d3c";
    private const string Domain = "example-domain";

    private readonly JwtMinter _minter = new();
    private TestEmulator _home = null!;
    private TestEmulator _away = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _home = await TestEmulator.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Emulator:Tenants:some-other-token:0"] = HomeProject,
            [$"Emulator:Iam:AccessKeys:{HomeAk}:SecretKey"] = HomeSk,
            [$"Emulator:Iam:AccessKeys:{HomeAk}:Projects:0"] = HomeProject,
        });
        // The away region knows the home project ID too (another tenant's project there), but not the home key.
        _away = await TestEmulator.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Emulator:Tenants:some-other-token:0"] = HomeProject,
            [$"Emulator:Iam:AccessKeys:{AwayAk}:SecretKey"] = AwaySk,
            [$"Emulator:Iam:AccessKeys:{AwayAk}:Projects:0"] = AwayProject,
            [$"Emulator:Iam:Users:{AwayUser}:Password"] = AwayPassword,
            [$"Emulator:Iam:Users:{AwayUser}:Domain"] = Domain,
            [$"Emulator:Iam:Users:{AwayUser}:Projects:0"] = AwayIamProject,
        });
        _gateway = GatewayHost.Builder().WithEmulator(_home).WithSettings(Settings(_away.BaseAddress, _minter.PublicKeyPem)).Start();
    }

    private static Dictionary<string, string?> Settings(Uri away, string publicKeyPem) => GatewayRig.With(
        GatewayRig.FastFaults,
        ("Drs:DefaultRegion", TwoRegionRig.HomeRegion),
        ($"Drs:Regions:{Away}:Endpoint", away.ToString()),
        ($"Drs:Regions:{Away}:DefaultProjectId", AwayProject),
        ("Gateway:ServiceIdentity:Enabled", "true"),
        ("Gateway:ServiceIdentity:Issuer", JwtMinter.Issuer),
        ("Gateway:ServiceIdentity:Audience", JwtMinter.Audience),
        ("Gateway:ServiceIdentity:PublicKeys:0", publicKeyPem),
        // drs.read: the home project in the default region and the away project in eu-nl; svc-billing: eu-nl's IAM project.
        ("Gateway:ServiceIdentity:Grants:0:Claim", "scope"),
        ("Gateway:ServiceIdentity:Grants:0:Value", "drs.read"),
        ("Gateway:ServiceIdentity:Grants:0:Projects:0", HomeProject),
        ("Gateway:ServiceIdentity:Grants:0:Projects:1", $"{Away}/{AwayProject}"),
        ("Gateway:ServiceIdentity:Grants:1:Claim", "sub"),
        ("Gateway:ServiceIdentity:Grants:1:Value", "svc-billing"),
        ("Gateway:ServiceIdentity:Grants:1:Projects:0", $"{Away}/*"),
        ($"Gateway:ServiceIdentity:Credentials:{HomeProject}:AccessKey", HomeAk),
        ($"Gateway:ServiceIdentity:Credentials:{HomeProject}:SecretKey", HomeSk),
        ($"Gateway:ServiceIdentity:Regions:{Away}:Credentials:{AwayProject}:AccessKey", AwayAk),
        ($"Gateway:ServiceIdentity:Regions:{Away}:Credentials:{AwayProject}:SecretKey", AwaySk),
        ($"Gateway:ServiceIdentity:Regions:{Away}:Credentials:{AwayIamProject}:Domain", Domain),
        ($"Gateway:ServiceIdentity:Regions:{Away}:Credentials:{AwayIamProject}:User", AwayUser),
        ($"Gateway:ServiceIdentity:Regions:{Away}:Credentials:{AwayIamProject}:Password", AwayPassword));

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _home.DisposeAsync();
        await _away.DisposeAsync();
    }

    public void Dispose() => _minter.Dispose();

    private Task<GraphQLAnswer> AskAsync(string query, Dictionary<string, object?> claims, params (string Name, string Value)[] headers) =>
        _gateway.QueryAsync(query, null, headers: [new("Authorization", "Bearer " + _minter.Mint(claims)), .. headers.Select(h => KeyValuePair.Create(h.Name, h.Value))]);

    private static Dictionary<string, object?> Reader() => new() { ["sub"] = "svc-reports", ["scope"] = "drs.read" };

    [Fact]
    public async Task One_operation_reads_both_regions_each_with_the_credential_held_for_it()
    {
        var homeId = (await _home.CreateJobsAsync(1, project: HomeProject))[0];
        var awayId = (await _away.CreateJobsAsync(1, status: "INCRE_TRANSFER_STARTED", project: AwayProject))[0];

        var answer = await AskAsync($"{{ home: job(id: \"{homeId}\") {{ status }} away: job(id: \"{awayId}\", region: \"{Away}\") {{ status }} }}", Reader());

        answer.AssertNoErrors();
        Assert.Equal("FULL_TRANSFER_STARTED", answer.Data!["home"]!["status"]!.GetValue<string>());
        Assert.Equal("INCRE_TRANSFER_STARTED", answer.Data!["away"]!["status"]!.GetValue<string>());
        Assert.Equal(AwayProject, Assert.Single(await _away.UpstreamCallsAsync(), c => c.StatusCode == 200).ProjectId);
    }

    [Fact]
    public async Task A_grant_for_a_project_in_one_region_does_not_open_that_project_in_another()
    {
        var homeId = (await _home.CreateJobsAsync(1, project: HomeProject))[0];
        await _away.CreateJobAsync(homeId, project: HomeProject);
        await _away.ClearUpstreamLogAsync();

        var answer = await AskAsync(
            $"{{ home: job(id: \"{homeId}\") {{ status }} away: job(id: \"{homeId}\", region: \"{Away}\") {{ status }} }}",
            Reader(),
            ("X-Project-Id", HomeProject));

        Assert.Equal("PROJECT_NOT_ALLOWED", Assert.Single(answer.Codes));
        Assert.Contains($"region {Away}", answer.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(answer.Data!["away"]);
        Assert.Equal("FULL_TRANSFER_STARTED", answer.Data!["home"]!["status"]!.GetValue<string>());
        Assert.Empty(await _away.UpstreamCallsAsync());

        // The same by header: the whole request reads eu-nl, where this caller holds no grant for that project.
        var byHeader = await AskAsync($"{{ job(id: \"{homeId}\") {{ status }} }}", Reader(), ("X-Project-Id", HomeProject), ("X-Drs-Region", Away));
        Assert.Equal("PROJECT_NOT_ALLOWED", Assert.Single(byHeader.Codes));
        Assert.Empty(await _away.UpstreamCallsAsync());
    }

    [Fact]
    public async Task An_iam_user_of_another_region_gets_its_token_from_that_regions_iam()
    {
        var awayId = (await _away.CreateJobsAsync(1, project: AwayIamProject))[0];

        var answer = await AskAsync($"{{ job(id: \"{awayId}\") {{ status }} }}", new() { ["sub"] = "svc-billing" }, ("X-Drs-Region", Away), ("X-Project-Id", AwayIamProject));

        // The home emulator knows no such IAM user: only the away region's IAM could have issued the token DRS accepted.
        answer.AssertNoErrors();
        Assert.Equal("FULL_TRANSFER_STARTED", answer.Data!["job"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_region_argument_reads_a_region_the_caller_is_granted_even_when_the_request_s_region_is_not()
    {
        var awayId = (await _away.CreateJobsAsync(1, status: "INCRE_TRANSFER_STARTED", project: AwayIamProject))[0];

        // svc-billing is granted eu-nl only; the request itself reads the default region (no X-Drs-Region).
        var answer = await AskAsync(
            $"{{ away: job(id: \"{awayId}\", region: \"{Away}\") {{ status }} home: job(id: \"{awayId}\") {{ status }} }}",
            new() { ["sub"] = "svc-billing" },
            ("X-Project-Id", AwayIamProject));

        // The field naming eu-nl reads it, as X-Drs-Region: eu-nl would; the field reading the request's region is refused.
        Assert.Equal("INCRE_TRANSFER_STARTED", answer.Data!["away"]!["status"]!.GetValue<string>());
        Assert.Null(answer.Data!["home"]);
        Assert.Equal("PROJECT_NOT_ALLOWED", Assert.Single(answer.Codes));
        Assert.Equal(["home"], answer.Errors[0]!["path"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Theory]
    [InlineData("Gateway:ServiceIdentity:Regions:mars-1:Credentials:0a1b2c3d:AccessKey", "AK", "Gateway:ServiceIdentity:Regions names mars-1")]
    [InlineData("Gateway:ServiceIdentity:Grants:0:Projects:2", "eu-nl/0f0f0f0f", "Gateway:ServiceIdentity:Regions:eu-nl:Credentials has no credential for it")]
    [InlineData("Gateway:ServiceIdentity:Grants:0:Projects:2", "mars-1/*", "Drs:Regions does not configure a region named mars-1 (configured: eu-nl)")]
    [InlineData("Gateway:ServiceIdentity:Grants:0:Projects:2", "MARS-1/0f0f0f0f", "Drs:Regions does not configure a region named MARS-1")]
    [InlineData("Gateway:ServiceIdentity:Grants:0:Projects:2", "eu-de/*", "but eu-de is the default region, whose projects are granted without a region ('*')")]
    public void A_region_credential_or_grant_that_cannot_work_stops_start_up_naming_it(string key, string value, string reason)
    {
        var settings = Settings(_away.BaseAddress, _minter.PublicKeyPem);
        settings[key] = value;
        if (key.EndsWith(":AccessKey", StringComparison.Ordinal))
        {
            settings[key.Replace(":AccessKey", ":SecretKey", StringComparison.Ordinal)] = "secret";
        }

        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithEmulator(_home).WithSettings(settings).Start());

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_grant_in_a_configured_region_the_gateway_holds_no_credentials_for_stops_start_up_naming_it()
    {
        var settings = Settings(_away.BaseAddress, _minter.PublicKeyPem);
        settings["Drs:Regions:eu-fr:Endpoint"] = _away.BaseAddress.ToString();
        settings["Gateway:ServiceIdentity:Grants:0:Projects:2"] = "eu-fr/*";

        var error = Assert.ThrowsAny<Exception>(() => GatewayHost.Builder().WithEmulator(_home).WithSettings(settings).Start());

        Assert.Contains("Gateway:ServiceIdentity:Grants:0 grants eu-fr/*, but Gateway:ServiceIdentity:Regions:eu-fr holds no credentials", error.Message, StringComparison.Ordinal);
    }
}
