using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Errors;

public sealed class AuthErrorTests(EmulatorFixture emulator) : EmulatorTest(emulator)
{
    [Fact]
    public async Task An_unknown_token_fails_every_id_as_unauthorized_with_the_drs_code_and_request_id()
    {
        var ids = await ExistingJobIdsAsync(5);

        var batch = await NewClient().GetStatusesAsync(new DrsCaller("token-nobody-knows", EmulatorFixture.DemoProject), ids);

        Assert.Equal(5, batch.Results.Count);
        Assert.All(batch.Results.Values, r =>
        {
            Assert.NotNull(r.Error);
            Assert.Equal(DrsErrorKind.Unauthorized, r.Error.Kind);
            Assert.Equal("APIGW.0301", r.Error.Code);
            Assert.Equal(401, r.Error.HttpStatus);
            Assert.Matches("^[0-9a-f]{32}$", r.Error.RequestId);
        });
        var call = Assert.Single(await Control.GetRequestsAsync());
        Assert.Equal(401, call.StatusCode);
    }

    [Fact]
    public async Task An_empty_token_fails_every_id_as_unauthorized()
    {
        var ids = await ExistingJobIdsAsync(2);

        var batch = await NewClient().GetProgressAsync(new DrsCaller("", EmulatorFixture.DemoProject), ids);

        Assert.All(batch.Results.Values, r => Assert.Equal(DrsErrorKind.Unauthorized, r.Error?.Kind));
    }

    [Fact]
    public async Task A_token_used_on_a_project_it_may_not_use_fails_every_id_as_forbidden()
    {
        var ids = await ExistingJobIdsAsync(3);

        var batch = await NewClient().GetDetailsAsync(new DrsCaller(EmulatorFixture.OtherToken, EmulatorFixture.DemoProject), ids);

        Assert.All(batch.Results.Values, r =>
        {
            Assert.NotNull(r.Error);
            Assert.Equal(DrsErrorKind.Forbidden, r.Error.Kind);
            Assert.Equal("DRS.M00261", r.Error.Code);
            Assert.Equal(403, r.Error.HttpStatus);
            Assert.False(r.Error.IsTransient);
        });
    }

    [Fact]
    public async Task Auth_errors_are_not_retried()
    {
        var ids = await ExistingJobIdsAsync(1);

        await NewClient().GetStatusesAsync(new DrsCaller("token-nobody-knows", EmulatorFixture.DemoProject), ids);

        Assert.Single(await Control.GetRequestsAsync());
    }
}
