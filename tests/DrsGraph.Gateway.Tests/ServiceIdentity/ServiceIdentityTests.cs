using DrsGraph.DrsClient;
using DrsGraph.DrsClient.Auth;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Health;
using DrsGraph.Gateway.ServiceIdentity;
using DrsGraph.Gateway.Tests.Infrastructure;
using DrsGraph.Gateway.Tests.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Gateway.Tests.ServiceIdentity;

/// <summary>Callers with JWTs; the gateway reads DRS with the AK/SK pair or IAM user it holds per project.</summary>
public sealed class ServiceIdentityTests(ServiceIdentityFixture fixture) : IClassFixture<ServiceIdentityFixture>
{
    private const string DemoJob = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private const string Query = "query($id: ID!) { job(id: $id) { id status } }";

    private GatewayHost Gateway => fixture.Gateway;

    private static Dictionary<string, object?> Claims(string? sub = "svc-reports", string? scope = "drs.read") =>
        new() { ["sub"] = sub, ["scope"] = scope };

    private Task<GraphQLAnswer> AskAsync(string? jwt, string jobId = DemoJob, string? project = null, string? authToken = null)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (jwt is not null)
        {
            headers.Add(new("Authorization", "Bearer " + jwt));
        }

        if (project is not null)
        {
            headers.Add(new("X-Project-Id", project));
        }

        return Gateway.QueryAsync(Query, authToken, new { id = jobId }, headers);
    }

    private async Task<string> FreshJobAsync(string project = ServiceIdentityFixture.DemoProject)
    {
        var id = $"{Guid.NewGuid().ToString()[..24]}{Random.Shared.Next():x8}jb21";
        await fixture.Emulator.CreateJobAsync(id, project: project);
        return id;
    }

    /// <remarks>
    /// The in-process warm-up ran as a caller without a JWT: with service identities on it failed on every start
    /// ("An 'Authorization: Bearer &lt;JWT&gt;' header is required") and readiness reported it failed.
    /// </remarks>
    [Fact]
    public async Task The_start_up_warm_up_completes_while_a_caller_with_its_token_and_no_jwt_is_still_refused()
    {
        var (_, body) = await OperationsFixture.HealthAsync(Gateway.Client, HealthExtensions.ReadyPath);

        Assert.Equal("completed", body["checks"]![HealthExtensions.WarmUpCheckName]!["outcome"]!.GetValue<string>());
        Gateway.Logs.AssertNone("Start-up warm-up answered with an error");
        var answer = await AskAsync(jwt: null, authToken: "drsgraph-start-up-warm-up");
        Assert.Equal(["INVALID_BEARER_TOKEN"], answer.Codes.Distinct());
    }

    [Fact]
    public async Task A_valid_jwt_reads_the_demo_project_through_the_gateways_signed_calls()
    {
        var id = await FreshJobAsync();
        await fixture.Emulator.ClearUpstreamLogAsync();

        var answer = await AskAsync(fixture.Minter.Mint(Claims()), id);

        answer.AssertNoErrors();
        Assert.Equal("FULL_TRANSFER_STARTED", answer.Data?["job"]?["status"]?.GetValue<string>());
        Assert.Equal(200, Assert.Single(await fixture.Emulator.UpstreamCallsAsync()).StatusCode);
    }

    [Fact]
    public async Task A_subject_grant_reads_another_project_with_the_gateways_own_iam_token()
    {
        var id = await FreshJobAsync(ServiceIdentityFixture.OtherProject);

        var answer = await AskAsync(fixture.Minter.Mint(Claims(sub: "svc-billing", scope: null)), id, ServiceIdentityFixture.OtherProject);

        answer.AssertNoErrors();
        Assert.Equal("FULL_TRANSFER_STARTED", answer.Data?["job"]?["status"]?.GetValue<string>());
    }

    /// <remarks>IAM refusing the credential is the caller's UNAUTHENTICATED; IAM unreachable is an outage, and not DRS's.</remarks>
    [Theory]
    [InlineData(ServiceIdentityFixture.MisconfiguredProject, "UNAUTHENTICATED", "DRSGRAPH.IAM_REFUSED")]
    [InlineData(ServiceIdentityFixture.UnreachableIamProject, "UPSTREAM_UNAVAILABLE", "DRSGRAPH.IAM_UNAVAILABLE")]
    public async Task A_held_iam_credential_iam_does_not_honour_fails_the_field_without_calling_drs(string project, string code, string upstreamCode)
    {
        await fixture.Emulator.ClearUpstreamLogAsync();

        var answer = await AskAsync(fixture.Minter.Mint(Claims(sub: "svc-billing", scope: null)), project: project);

        var error = Assert.Single(answer.Errors);
        Assert.Equal(code, error?["extensions"]?["code"]?.GetValue<string>());
        Assert.Equal(upstreamCode, error?["extensions"]?["upstreamCode"]?.GetValue<string>());
        Assert.Empty(await fixture.Emulator.UpstreamCallsAsync());
    }

    public static TheoryData<string, string> RefusedTokens => new()
    {
        { "expired", "The bearer token has expired." },
        { "wrong audience", "The bearer token is for another audience." },
        { "wrong issuer", "The bearer token is from another issuer." },
        { "wrong key", "The bearer token is not signed by a trusted key." },
        { "missing sub", "The bearer token lacks the 'sub' claim." },
        { "not a jwt", "The bearer token is not a valid JWT." },
        { "none", "An 'Authorization: Bearer <JWT>' header is required." },
        { "iam token only", "An 'Authorization: Bearer <JWT>' header is required." },
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task A_bad_or_missing_jwt_is_refused_before_any_drs_call(string kind, string message)
    {
        using var otherIdp = new JwtMinter();
        var jwt = kind switch
        {
            "expired" => fixture.Minter.Mint(Claims(), expires: TimeSpan.FromMinutes(-5)),
            "wrong audience" => fixture.Minter.Mint(Claims(), audience: "another-service"),
            "wrong issuer" => fixture.Minter.Mint(Claims(), issuer: "https://evil.example.com/"),
            "wrong key" => otherIdp.Mint(Claims()),
            "missing sub" => fixture.Minter.Mint(Claims(sub: null)),
            "not a jwt" => "not-a-jwt",
            _ => null,
        };
        var id = await FreshJobAsync();
        await fixture.Emulator.ClearUpstreamLogAsync();

        var answer = await AskAsync(jwt, id, authToken: kind == "iam token only" ? "some-other-token" : null);

        Assert.Null(answer.Data?["job"]);
        var error = Assert.Single(answer.Errors);
        Assert.Equal("INVALID_BEARER_TOKEN", error?["extensions"]?["code"]?.GetValue<string>());
        Assert.Equal(message, error?["message"]?.GetValue<string>());
        Assert.Empty(await fixture.Emulator.UpstreamCallsAsync());
    }

    [Theory]
    [InlineData("svc-reports", "drs.read", ServiceIdentityFixture.OtherProject)]
    [InlineData("svc-reports", null, ServiceIdentityFixture.DemoProject)]
    [InlineData("svc-reports", "drs.write", ServiceIdentityFixture.DemoProject)]
    [InlineData("svc-billing", null, "ffffffffffffffffffffffffffffffff")]
    // Only scope (and scp) are space-separated lists: a sub that merely contains the granted value holds nothing.
    [InlineData("mallory svc-billing", null, ServiceIdentityFixture.OtherProject)]
    public async Task A_project_the_claims_do_not_grant_is_refused_before_any_drs_call(string sub, string? scope, string project)
    {
        await fixture.Emulator.ClearUpstreamLogAsync();

        var answer = await AskAsync(fixture.Minter.Mint(Claims(sub, scope)), project: project);

        Assert.Equal(["PROJECT_NOT_ALLOWED"], answer.Codes);
        Assert.Equal($"This caller may not read project {project}.", answer.Errors[0]?["message"]?.GetValue<string>());
        Assert.Empty(await fixture.Emulator.UpstreamCallsAsync());
    }

    [Fact]
    public async Task A_space_separated_scope_claim_holding_the_granted_value_is_granted()
    {
        var answer = await AskAsync(fixture.Minter.Mint(Claims(scope: "openid drs.read profile")));

        answer.AssertNoErrors();
    }

    [Fact]
    public async Task Two_callers_with_different_jwts_share_the_cache_of_the_credential_drs_saw()
    {
        var id = await FreshJobAsync();
        await fixture.Emulator.ClearUpstreamLogAsync();

        (await AskAsync(fixture.Minter.Mint(Claims(sub: "svc-reports")), id)).AssertNoErrors();
        (await AskAsync(fixture.Minter.Mint(Claims(sub: "svc-dashboards")), id)).AssertNoErrors();

        // One DRS call: the entry belongs to the AK/SK DRS saw, not to either caller's JWT.
        Assert.Single(await fixture.Emulator.UpstreamCallsAsync());
    }

    [Fact]
    public void Cache_scopes_follow_the_credential_identity_never_the_token()
    {
        var keys = Gateway.Services.GetRequiredService<JobCacheKeys>();
        var time = TimeProvider.System;
        var signed = new AkSkCredential("AK-1", "secret-1", time);

        var a = new DrsCaller("", ServiceIdentityFixture.DemoProject) { Credential = signed };
        var b = new DrsCaller("ignored-token", ServiceIdentityFixture.DemoProject) { Credential = new AkSkCredential("AK-1", "secret-2", time) };
        var other = new DrsCaller("", ServiceIdentityFixture.DemoProject) { Credential = new AkSkCredential("AK-2", "secret-1", time) };
        var passThrough = new DrsCaller("credential:aksk:AK-1-lookalike", ServiceIdentityFixture.DemoProject);

        Assert.Equal(keys.ScopeOf(a), keys.ScopeOf(b));
        Assert.NotEqual(keys.ScopeOf(a), keys.ScopeOf(other));
        Assert.NotEqual(keys.ScopeOf(a), keys.ScopeOf(passThrough));
        Assert.Equal(keys.PollScopeOf(a), keys.PollScopeOf(b));
    }

    [Fact]
    public async Task Neither_the_jwt_nor_any_secret_reaches_a_log_line()
    {
        var jwt = fixture.Minter.Mint(Claims());

        (await AskAsync(jwt, project: ServiceIdentityFixture.DemoProject)).AssertNoErrors();
        (await AskAsync(fixture.Minter.Mint(Claims(sub: "svc-billing", scope: null)), await FreshJobAsync(ServiceIdentityFixture.OtherProject), ServiceIdentityFixture.OtherProject)).AssertNoErrors();
        await AskAsync(jwt + "x");

        // The IAM token the gateway holds for the other project (cached: asking for it again obtains no new one).
        var held = Assert.IsType<IamTokenCredential>(Gateway.Services.GetRequiredService<ServiceCredentials>().For(ServiceIdentityFixture.OtherProject));
        var iamToken = await held.Source.GetTokenAsync(CancellationToken.None);
        Assert.Equal(1, held.Source.Acquisitions);

        foreach (var secret in new[] { jwt, ServiceIdentityFixture.SecretKey, ServiceIdentityFixture.IamPassword, iamToken })
        {
            Gateway.Logs.AssertNone(secret);
        }
    }
}
