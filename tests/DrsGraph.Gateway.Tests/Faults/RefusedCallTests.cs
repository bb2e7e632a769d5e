using Microsoft.AspNetCore.Http;

namespace DrsGraph.Gateway.Tests.Faults;

/// <summary>
/// DRS answers that are refusals whatever their body: a 503 or 401 carrying a success-shaped <c>results</c> is an
/// error (never served, never cached), and a 401/403 without a DRS code is an auth error, not DRS being down.
/// </summary>
public sealed class RefusedCallTests
{
    private const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private static readonly string StatusQuery = $"{{ job(id: \"{JobId}\") {{ id status }} }}";
    private const string ListQuery = "{ projectJobs(first: 5, where: { useType: { eq: MIGRATION } }) { totalCount } }";
    private static readonly Dictionary<string, string?> WithCache = GatewayRig.With(GatewayRig.FastFaults, ("Gateway:Cache:Enabled", "true"));

    [Theory]
    [InlineData(503, "UPSTREAM_UNAVAILABLE")]
    [InlineData(401, "UNAUTHENTICATED")]
    public async Task An_error_status_whose_body_carries_results_is_an_error_and_nothing_is_cached(int status, string code)
    {
        await using var drs = await StubUpstream.StartAsync((context, call) => StubUpstream.WriteJsonAsync(context, status, StubUpstream.HealthyBody(call)));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, WithCache);

        var answer = await rig.QueryAsync(StatusQuery);

        Assert.Equal([code], answer.Codes);
        Assert.Null(answer.Data?["job"]?["status"]);
        var calls = drs.Calls.Count;

        // Nothing was cached: once DRS is healthy the next question asks it and gets the real answer.
        drs.Respond = StubUpstream.HealthyAsync;
        var healthy = await rig.QueryAsync(StatusQuery);
        Assert.Empty(healthy.Errors);
        Assert.Equal("FULL_TRANSFER_STARTED", healthy.Data?["job"]?["status"]?.GetValue<string>());
        Assert.True(drs.Calls.Count > calls, "The second question was answered from the cache.");
    }

    [Theory]
    [InlineData(401, "text/html", "<html>Unauthorized</html>", "UNAUTHENTICATED", "UNAUTHORIZED")]
    [InlineData(403, "text/html", "<html>Forbidden</html>", "PROJECT_NOT_ALLOWED", "FORBIDDEN")]
    [InlineData(401, null, "", "UNAUTHENTICATED", "UNAUTHORIZED")]
    [InlineData(403, null, "", "PROJECT_NOT_ALLOWED", "FORBIDDEN")]
    public async Task A_401_or_403_without_a_drs_code_is_an_auth_error_on_batch_and_list_fields(int status, string? contentType, string body, string code, string kind)
    {
        await using var drs = await StubUpstream.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = status;
            if (contentType is not null)
            {
                context.Response.ContentType = contentType;
            }

            await context.Response.WriteAsync(body, context.RequestAborted);
        });
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.FastFaults);

        var batch = await rig.QueryAsync(StatusQuery);
        var list = await rig.QueryAsync(ListQuery);

        Assert.Equal([code], batch.Codes);
        Assert.Equal(kind, batch.Errors[0]!["extensions"]!["kind"]!.GetValue<string>());
        Assert.Equal([code], list.Codes);
        Assert.Equal(kind, list.Errors[0]!["extensions"]!["kind"]!.GetValue<string>());
        Assert.Contains(drs.Calls, c => c.Path.EndsWith("/jobs", StringComparison.Ordinal));
    }
}
