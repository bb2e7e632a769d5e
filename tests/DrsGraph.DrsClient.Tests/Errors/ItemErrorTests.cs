using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Errors;

public sealed class ItemErrorTests(EmulatorFixture emulator) : EmulatorTest(emulator)
{
    [Fact]
    public async Task Unknown_ids_fail_one_by_one_as_not_found_next_to_known_ones()
    {
        var known = await ExistingJobIdsAsync(3);
        var unknown = UnknownJobIds(2);
        var client = NewClient();

        var statuses = await client.GetStatusesAsync(Caller, [.. known, .. unknown]);
        var progress = await client.GetProgressAsync(Caller, [.. known, .. unknown]);
        var details = await client.GetDetailsAsync(Caller, [.. known, .. unknown]);

        Assert.All(known, id =>
        {
            Assert.True(statuses[id].IsSuccess);
            Assert.True(progress[id].IsSuccess);
            Assert.True(details[id].IsSuccess);
        });
        Assert.All(unknown, id =>
        {
            foreach (var error in new[] { statuses[id].Error, progress[id].Error, details[id].Error })
            {
                Assert.NotNull(error);
                Assert.Equal(DrsErrorKind.NotFound, error.Kind);
                Assert.Equal("DRS.M00289", error.Code);
                Assert.False(string.IsNullOrWhiteSpace(error.Message));
                Assert.False(error.IsTransient);
            }
        });
    }

    [Fact]
    public async Task A_batch_of_only_unknown_ids_answered_with_a_batch_shaped_400_fails_each_as_not_found()
    {
        var unknown = UnknownJobIds(4);

        var batch = await NewClient().GetStatusesAsync(Caller, unknown);

        Assert.All(unknown, id =>
        {
            var error = batch[id].Error;
            Assert.NotNull(error);
            Assert.Equal(DrsErrorKind.NotFound, error.Kind);
            Assert.Equal("DRS.M00289", error.Code);
            Assert.Equal(400, error.HttpStatus);
            Assert.False(string.IsNullOrEmpty(error.RequestId));
        });
        var call = Assert.Single(await Control.GetRequestsAsync());
        Assert.Equal(400, call.StatusCode);
    }

    [Fact]
    public async Task A_deleted_job_shows_as_deleted_in_status_and_fails_as_deleted_in_progress_and_detail()
    {
        var created = await Control.CreateJobsAsync(2, status: "INCRE_TRANSFER_STARTED");
        var deleted = created[0].Id;
        var alive = created[1].Id;
        await Control.DeleteJobAsync(deleted);
        var client = NewClient();

        var statuses = await client.GetStatusesAsync(Caller, [deleted, alive]);
        var progress = await client.GetProgressAsync(Caller, [deleted, alive]);
        var details = await client.GetDetailsAsync(Caller, [deleted, alive]);

        Assert.Equal("DELETED", statuses[deleted].Value?.Status);
        Assert.Equal("INCRE_TRANSFER_STARTED", statuses[alive].Value?.Status);
        foreach (var error in new[] { progress[deleted].Error, details[deleted].Error })
        {
            Assert.NotNull(error);
            Assert.Equal(DrsErrorKind.Deleted, error.Kind);
            Assert.Equal("DRS.M05004", error.Code);
        }

        Assert.Equal("INCRE_TRANSFER_STARTED", progress[alive].Value?.TransferStatus);
        Assert.Equal("INCRE_TRANSFER_STARTED", details[alive].Value?.Status);
    }

    [Fact]
    public async Task A_deleted_job_alone_fails_as_deleted_even_when_drs_answers_400()
    {
        var created = await Control.CreateJobsAsync(1, status: "FULL_TRANSFER_STARTED");
        await Control.DeleteJobAsync(created[0].Id);

        var batch = await NewClient().GetDetailsAsync(Caller, [created[0].Id]);

        var error = batch[created[0].Id].Error;
        Assert.NotNull(error);
        Assert.Equal(DrsErrorKind.Deleted, error.Kind);
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public async Task A_failed_job_that_explains_its_failure_is_a_value_not_an_error()
    {
        var failed = (await Control.CreateJobsAsync(1, status: "FULL_TRANSFER_FAILED"))[0].Id;
        var client = NewClient();

        var statuses = await client.GetStatusesAsync(Caller, [failed]);
        var details = await client.GetDetailsAsync(Caller, [failed]);

        Assert.Equal("FULL_TRANSFER_FAILED", statuses[failed].Value?.Status);
        Assert.Equal("FULL_TRANSFER_FAILED", details[failed].Value?.Status);
    }

    [Fact]
    public async Task Jobs_of_another_project_do_not_exist_for_this_one()
    {
        const string theirs = "0badc0de-1111-4222-8333-4444444jb55x";
        await Control.CreateJobsAsync([theirs], EmulatorFixture.OtherProject);
        var ours = await ExistingJobIdsAsync(1);

        var client = NewClient();

        var batch = await client.GetStatusesAsync(Caller, [theirs, ours[0]]);
        var asOwner = await client.GetStatusesAsync(new DrsCaller(EmulatorFixture.OtherToken, EmulatorFixture.OtherProject), [theirs]);

        Assert.Equal(DrsErrorKind.NotFound, batch[theirs].Error?.Kind);
        Assert.True(batch[ours[0]].IsSuccess);
        Assert.Equal("CREATING", asOwner[theirs].Value?.Status);
    }
}
