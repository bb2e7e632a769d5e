using System.Net;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.ServiceIdentity;

/// <summary>JWT callers have token buckets of their own, as X-Auth-Token callers do, instead of sharing their address's.</summary>
public sealed class ServiceIdentityRateLimitTests
{
    /// <summary>Service identities on, and a bucket of two permits per caller that refills one per 30 s.</summary>
    private static Task<GatewayHost> StartWithBucketOfTwoAsync(JwtMinter minter)
    {
        var settings = ServiceIdentityFixture.Settings(minter.PublicKeyPem);
        settings["Gateway:Security:RateLimit:BurstLimit"] = "2";
        settings["Gateway:Security:RateLimit:TokensPerPeriod"] = "1";
        settings["Gateway:Security:RateLimit:ReplenishmentPeriod"] = "00:00:30";
        return GatewayHost.Builder().WithEmulator().WithSettings(settings).StartAsync();
    }

    [Fact]
    public async Task Each_jwt_caller_spends_its_own_bucket()
    {
        using var minter = new JwtMinter();
        await using var gateway = await StartWithBucketOfTwoAsync(minter);
        var first = minter.Mint(new Dictionary<string, object?> { ["sub"] = "svc-a", ["scope"] = "drs.read" });
        var second = minter.Mint(new Dictionary<string, object?> { ["sub"] = "svc-b", ["scope"] = "drs.read" });

        var statuses = new List<HttpStatusCode>();
        foreach (var jwt in new[] { first, first, first, second })
        {
            statuses.Add((await gateway.QueryAsync("{ __typename }", token: null, headers: [new("Authorization", "Bearer " + jwt)])).Status);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.OK], statuses);
    }

    /// <summary>
    /// The bucket is the JWT's, the credential the caller is authenticated by: an X-Auth-Token (ignored in this mode)
    /// that changes with every request, or another spelling of the Bearer scheme, does not open a fresh bucket.
    /// </summary>
    [Fact]
    public async Task A_jwt_caller_rotating_its_x_auth_token_stays_in_its_own_bucket()
    {
        using var minter = new JwtMinter();
        await using var gateway = await StartWithBucketOfTwoAsync(minter);
        var jwt = minter.Mint(new Dictionary<string, object?> { ["sub"] = "svc-a", ["scope"] = "drs.read" });

        var statuses = new List<HttpStatusCode>();
        foreach (var scheme in new[] { "Bearer ", "Bearer ", "bearer  ", "Bearer " })
        {
            var answer = await gateway.QueryAsync("{ __typename }", token: Guid.NewGuid().ToString("N"), headers: [new("Authorization", scheme + jwt)]);
            statuses.Add(answer.Status);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    /// <summary>
    /// The validator reads a JWT whose signature carries base64 padding ("sig=") as the same token: it must not be
    /// another caller's bucket either.
    /// </summary>
    [Fact]
    public async Task A_padded_spelling_of_the_same_jwt_stays_in_its_bucket()
    {
        using var minter = new JwtMinter();
        await using var gateway = await StartWithBucketOfTwoAsync(minter);
        var jwt = minter.Mint(new Dictionary<string, object?> { ["sub"] = "svc-a", ["scope"] = "drs.read" });

        var statuses = new List<HttpStatusCode>();
        foreach (var spelling in new[] { jwt, jwt, jwt + "=", jwt + "==" })
        {
            statuses.Add((await gateway.QueryAsync("{ __typename }", token: null, headers: [new("Authorization", "Bearer " + spelling)])).Status);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }
}
