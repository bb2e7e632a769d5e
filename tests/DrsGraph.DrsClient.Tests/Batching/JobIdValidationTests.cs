using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Batching;

public sealed class JobIdValidationTests(EmulatorFixture emulator) : EmulatorTest(emulator)
{
    [Fact]
    public async Task One_malformed_id_among_twenty_does_not_fail_the_other_nineteen()
    {
        var good = await ExistingJobIdsAsync(19);
        const string bad = "9A470239-2308-4bb5-a6bc-1040402fjb21"; // upper case: DRS would reject the whole batch
        var asked = good.Take(7).Append(bad).Concat(good.Skip(7)).ToList();

        var batch = await NewClient().GetStatusesAsync(Caller, asked);

        Assert.Equal(20, batch.Results.Count);
        Assert.All(good, id => Assert.True(batch[id].IsSuccess, batch[id].Error?.ToString()));
        var error = batch[bad].Error;
        Assert.NotNull(error);
        Assert.Equal(DrsErrorKind.InvalidJobId, error.Kind);
        Assert.Equal(DrsErrorCodes.InvalidJobId, error.Code);
        Assert.Null(error.HttpStatus);
        var call = Assert.Single(await Control.GetRequestsAsync());
        Assert.DoesNotContain(bad, call.JobIds!);
        Assert.Equal(good, call.JobIds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-job")]
    [InlineData("9a470239-2308-4bb5-a6bc-1040402fjb2")]
    [InlineData("9a470239-2308-4bb5-a6bc-1040402fjb211")]
    [InlineData("9a470239_2308-4bb5-a6bc-1040402fjb21")]
    [InlineData("9a470239-2308-4bb5-a6bc-1040402fjb21\n")]
    [InlineData(" 9a470239-2308-4bb5-a6bc-1040402fjb21")]
    [InlineData("9a470239-2308-4bb5-a6bc-1040402fJB21")]
    public async Task A_malformed_id_alone_is_reported_without_any_http_call(string id)
    {
        var client = NewClient();

        var batch = await client.GetDetailsAsync(Caller, [id]);

        Assert.Equal(DrsErrorKind.InvalidJobId, Assert.Single(batch.Results).Value.Error?.Kind);
        Assert.Equal(0, batch.UpstreamCalls);
        Assert.Empty(await Control.GetRequestsAsync());
    }

    [Fact]
    public async Task No_ids_make_no_http_call_and_an_empty_answer()
    {
        var batch = await NewClient().GetProgressAsync(Caller, []);

        Assert.Empty(batch.Results);
        Assert.Equal(0, batch.UpstreamCalls);
        Assert.Empty(await Control.GetRequestsAsync());
    }

    [Theory]
    [InlineData("9a470239-2308-4bb5-a6bc-1040402fjb21")]
    [InlineData("24834eb6-be30-464e-a299-f7aa730jb101")]
    [InlineData("0123abcd-0000-4000-8000-0123456jb20r")]
    public void Ids_shaped_like_the_documented_examples_are_valid(string id) =>
        Assert.True(DrsClient.IsValidJobId(id));
}
