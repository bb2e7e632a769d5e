using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Listing;

/// <summary>The job list call against the real emulator: the body sent, the answer mapped, the walk over pages, resilience.</summary>
public sealed class JobListTests(EmulatorFixture emulator) : EmulatorTest(emulator)
{
    private const string Name = "list-client-test";

    private Task<IReadOnlyList<EmulatorJob>> CreateAsync(int count, string useType = "sync", string status = "INCRE_TRANSFER_STARTED") =>
        Control.CreateJobsAsync(new { projectId = EmulatorFixture.DemoProject, count, status, frozen = true, name = Name, dbUseType = useType, netType = "vpc" });

    [Fact]
    public async Task One_page_sends_explicit_paging_and_the_filters_and_maps_the_answer()
    {
        var created = await CreateAsync(7);
        await CreateAsync(2, useType: "migration");
        await Control.ClearRequestsAsync();
        var query = new JobListQuery("sync", Name: Name, Status: "INCRE_TRANSFER_STARTED", NetType: "vpc", Tags: new Dictionary<string, string> { ["env"] = "prod" });

        var unfiltered = await NewClient().ListJobsAsync(Caller, new JobListPageRequest(query with { Tags = null }, 2, 5));
        var tagged = await NewClient().ListJobsAsync(Caller, new JobListPageRequest(query, 1, 100));

        Assert.True(unfiltered.IsSuccess, unfiltered.Error?.ToString());
        var list = unfiltered.Value!;
        Assert.Equal(7, list.TotalRecord);
        Assert.Equal(2, list.Jobs.Count);
        Assert.True(list.IsComplete);
        Assert.Equal(1, list.UpstreamCalls);
        Assert.All(list.Jobs, j =>
        {
            Assert.Contains(j.Id, created.Select(c => c.Id));
            Assert.Equal(Name, j.Name);
            Assert.Equal("INCRE_TRANSFER_STARTED", j.Status);
            Assert.Equal("sync", j.DbUseType);
            Assert.Equal("vpc", j.NetType);
            Assert.Equal("FULL_INCR_TRANS", j.TaskType);
            Assert.NotNull(j.CreateTime);
            Assert.NotNull(j.Children);
        });
        Assert.True(tagged.IsSuccess, tagged.Error?.ToString());
        Assert.True(tagged.Value!.TotalRecord < 7, "the tag filter narrows the list");

        var calls = await Control.GetRequestsAsync();
        Assert.Equal(["list", "list"], calls.Select(c => c.Endpoint));
        Assert.Equal(new LoggedPageReq(2, 5), calls[0].PageReq);
        Assert.Equal(new LoggedPageReq(1, 100), calls[1].PageReq);
        Assert.Equal("sync", calls[0].ListQuery!.DbUseType);
        Assert.Equal(Name, calls[0].ListQuery!.Name);
        Assert.Equal("INCRE_TRANSFER_STARTED", calls[0].ListQuery!.Status);
        Assert.Equal("vpc", calls[0].ListQuery!.NetType);
        Assert.Null(calls[0].ListQuery!.EngineType);
        Assert.Null(calls[0].ListQuery!.Tags);
        Assert.Equal("prod", calls[1].ListQuery!.Tags!["env"]);
    }

    [Fact]
    public async Task Walking_250_jobs_takes_three_pages_and_returns_every_job_once()
    {
        var created = await CreateAsync(250);
        await Control.ClearRequestsAsync();

        var all = await NewClient().ListAllJobsAsync(Caller, new JobListQuery("sync", Name: Name));

        Assert.True(all.IsSuccess, all.Error?.ToString());
        Assert.Equal(250, all.Value!.TotalRecord);
        Assert.True(all.Value.IsComplete);
        Assert.Equal(3, all.Value.UpstreamCalls);
        Assert.Equal(created.Select(c => c.Id).Order(StringComparer.Ordinal), all.Value.Jobs.Select(j => j.Id!).Order(StringComparer.Ordinal));
        var calls = await Control.GetRequestsAsync();
        Assert.Equal([1, 2, 3], calls.Select(c => c.PageReq!.CurPage!.Value).Order());
        Assert.All(calls, c => Assert.Equal(100, c.PageReq!.PerPage));
    }

    [Fact]
    public async Task Over_the_ceiling_the_walk_stops_after_page_1_and_says_it_is_incomplete()
    {
        await CreateAsync(250);
        await Control.ClearRequestsAsync();
        var client = NewClient(new Dictionary<string, string?> { ["Drs:ListPageSize"] = "50", ["Drs:ListMaxJobs"] = "120" });

        var all = await client.ListAllJobsAsync(Caller, new JobListQuery("sync", Name: Name));

        Assert.True(all.IsSuccess, all.Error?.ToString());
        Assert.Equal(250, all.Value!.TotalRecord);
        Assert.False(all.Value.IsComplete);
        Assert.Equal(1, all.Value.UpstreamCalls);
        Assert.Equal(50, all.Value.Jobs.Count);
        // Page 1's total_record already decided the refusal: no other page was fetched.
        var call = Assert.Single(await Control.GetRequestsAsync());
        Assert.Equal(new LoggedPageReq(1, 50), call.PageReq);
    }

    [Fact]
    public async Task A_job_changing_status_between_pages_makes_the_walk_start_again_and_no_job_is_lost()
    {
        var created = await CreateAsync(150);
        await Control.ClearRequestsAsync();
        // Page 1's first job leaves the filter after page 1 is answered: page 2 then starts one job later.
        await Control.SetFaultsAsync(new { listMoveNext = 1, listMoveStatus = "PAUSING" });

        var all = await NewClient().ListAllJobsAsync(Caller, new JobListQuery("sync", Name: Name, Status: "INCRE_TRANSFER_STARTED"));

        Assert.True(all.IsSuccess, all.Error?.ToString());
        var still = (await Control.ListJobsAsync()).Where(j => j.Name == Name && j.Status == "INCRE_TRANSFER_STARTED").Select(j => j.Id).ToList();
        Assert.Equal(149, still.Count);
        Assert.Equal(149, all.Value!.TotalRecord);
        Assert.True(all.Value.IsComplete);
        Assert.Equal(still.Order(StringComparer.Ordinal), all.Value.Jobs.Select(j => j.Id!).Order(StringComparer.Ordinal));
        Assert.Equal(4, all.Value.UpstreamCalls);
        Assert.Equal([1, 2, 1, 2], (await Control.GetRequestsAsync()).Select(c => c.PageReq!.CurPage!.Value));
        Assert.Equal(150, created.Count);
    }

    [Fact]
    public async Task A_list_that_keeps_changing_between_pages_fails_clearly_after_a_bounded_number_of_walks()
    {
        await CreateAsync(150);
        await Control.ClearRequestsAsync();
        await Control.SetFaultsAsync(new { listMoveNext = 100, listMoveStatus = "PAUSING" });
        var host = NewHost();

        var all = await host.Client.ListAllJobsAsync(Caller, new JobListQuery("sync", Name: Name, Status: "INCRE_TRANSFER_STARTED"));

        Assert.False(all.IsSuccess);
        Assert.Null(all.Value);
        Assert.Equal(DrsErrorCodes.ListInconsistent, all.Error!.Code);
        Assert.Equal(DrsErrorKind.Unavailable, all.Error.Kind);
        Assert.Contains("changed while it was read page by page", all.Error.Message, StringComparison.Ordinal);
        // Three walks of two pages, then it gave up.
        Assert.Equal(6, (await Control.GetRequestsAsync()).Count);
        Assert.Single(host.Logs.Entries, e => e.Message.Contains("did not add up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_empty_list_is_one_call()
    {
        var all = await NewClient().ListAllJobsAsync(Caller, new JobListQuery("sync", Name: "no-such-job-name"));

        Assert.True(all.IsSuccess, all.Error?.ToString());
        Assert.Empty(all.Value!.Jobs);
        Assert.Equal(0, all.Value.TotalRecord);
        Assert.Single(await Control.GetRequestsAsync());
    }

    [Fact]
    public async Task Server_errors_on_the_list_are_retried_through_the_same_pipeline()
    {
        await CreateAsync(3);
        await Control.SetFaultsAsync(new { failNext = 2, failureStatus = 500, endpoints = new[] { "list" } });

        var page = await NewClient().ListJobsAsync(Caller, new JobListPageRequest(new JobListQuery("sync", Name: Name), 1, 10));

        Assert.True(page.IsSuccess, page.Error?.ToString());
        Assert.Equal(3, page.Value!.TotalRecord);
        Assert.Equal([500, 500, 200], (await Control.GetRequestsAsync()).Select(c => c.StatusCode));
    }

    [Fact]
    public async Task A_failing_page_fails_the_walk_with_drs_error()
    {
        await CreateAsync(150);
        await Control.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 503, failureCode = "DRS.M00004", endpoints = new[] { "list" } });
        var client = NewClient(new Dictionary<string, string?> { ["Drs:Resilience:Retry:MaxRetryAttempts"] = "1" });

        var all = await client.ListAllJobsAsync(Caller, new JobListQuery("sync", Name: Name));

        Assert.False(all.IsSuccess);
        Assert.Equal(DrsErrorKind.Unavailable, all.Error!.Kind);
        Assert.Equal("DRS.M00004", all.Error.Code);
        Assert.Equal(503, all.Error.HttpStatus);
        Assert.False(string.IsNullOrEmpty(all.Error.RequestId));
    }

    [Fact]
    public async Task Drs_refusals_come_back_typed()
    {
        var client = NewClient();

        var foreign = await client.ListJobsAsync(new DrsCaller(EmulatorFixture.DemoToken, EmulatorFixture.OtherProject), new JobListPageRequest(new JobListQuery("sync"), 1, 10));
        var unknownToken = await client.ListJobsAsync(new DrsCaller("no-such-token", EmulatorFixture.DemoProject), new JobListPageRequest(new JobListQuery("sync"), 1, 10));
        var badUseType = await client.ListJobsAsync(Caller, new JobListPageRequest(new JobListQuery("backup"), 1, 10));

        Assert.Equal(DrsErrorKind.Forbidden, foreign.Error!.Kind);
        Assert.Equal("DRS.M00261", foreign.Error.Code);
        Assert.Equal(DrsErrorKind.Unauthorized, unknownToken.Error!.Kind);
        Assert.Equal(DrsErrorKind.BadRequest, badUseType.Error!.Kind);
        Assert.Equal("DRS.M00202", badUseType.Error.Code);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ListJobsAsync(Caller, new JobListPageRequest(new JobListQuery("sync"), 1, 101)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ListJobsAsync(Caller, new JobListPageRequest(new JobListQuery("sync"), 0, 10)));
        await Assert.ThrowsAsync<ArgumentException>(() => client.ListJobsAsync(Caller, new JobListPageRequest(new JobListQuery(" "), 1, 10)));
    }
}
