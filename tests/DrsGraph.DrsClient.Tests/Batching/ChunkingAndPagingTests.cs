using DrsGraph.DrsClient.Tests.Infrastructure;

namespace DrsGraph.DrsClient.Tests.Batching;

public sealed class ChunkingAndPagingTests(EmulatorFixture emulator) : EmulatorTest(emulator)
{
    [Fact]
    public async Task Two_hundred_fifty_ids_come_back_complete_from_three_status_calls_with_explicit_paging()
    {
        var ids = await ExistingJobIdsAsync(250);

        var batch = await NewClient().GetStatusesAsync(Caller, ids);

        Assert.Equal(250, batch.Results.Count);
        foreach (var id in ids)
        {
            var result = batch[id];
            Assert.True(result.IsSuccess, $"{id}: {result.Error}");
            Assert.Equal(id, result.Value!.Id);
            Assert.False(string.IsNullOrEmpty(result.Value.Status));
        }

        Assert.Equal(3, batch.UpstreamCalls);
        var calls = await Control.GetRequestsAsync();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c =>
        {
            Assert.Equal("status", c.Endpoint);
            Assert.Equal(200, c.StatusCode);
            Assert.NotNull(c.PageReq);
            Assert.Equal(1, c.PageReq.CurPage);
            Assert.Equal(c.JobIds!.Count, c.PageReq.PerPage);
        });
        Assert.Equal([100, 100, 50], calls.Select(c => c.JobIds!.Count).Order().Reverse());
        Assert.Equal(ids.Order(StringComparer.Ordinal), calls.SelectMany(c => c.JobIds!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Details_of_two_hundred_fifty_ids_also_send_per_page_on_every_call()
    {
        var ids = await ExistingJobIdsAsync(250);

        var batch = await NewClient().GetDetailsAsync(Caller, ids);

        Assert.All(ids, id => Assert.Equal(id, batch[id].Value?.Id));
        var calls = await Control.GetRequestsAsync();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.Equal(c.JobIds!.Count, c.PageReq?.PerPage));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("detail")]
    public async Task A_page_size_below_the_chunk_size_gathers_every_page_of_the_chunk(string endpoint)
    {
        var ids = await ExistingJobIdsAsync(70);
        var client = NewClient(new Dictionary<string, string?> { ["Drs:PageSize"] = "30" });

        Dictionary<string, string?> answered = endpoint == "status"
            ? (await client.GetStatusesAsync(Caller, ids)).Results.ToDictionary(r => r.Key, r => r.Value.Value?.Id)
            : (await client.GetDetailsAsync(Caller, ids)).Results.ToDictionary(r => r.Key, r => r.Value.Value?.Id);

        Assert.Equal(70, answered.Count);
        Assert.All(ids, id => Assert.Equal(id, answered[id]));
        var calls = await Control.GetRequestsAsync();
        Assert.Equal([1, 2, 3], calls.Select(c => c.PageReq!.CurPage ?? 0).Order());
        Assert.All(calls, c =>
        {
            Assert.Equal(endpoint, c.Endpoint);
            Assert.Equal(30, c.PageReq!.PerPage);
            Assert.Equal(ids, c.JobIds);
        });
    }

    [Fact]
    public async Task A_chunk_size_below_the_id_count_splits_the_ids_without_losing_any()
    {
        var ids = await ExistingJobIdsAsync(25);
        var client = NewClient(new Dictionary<string, string?> { ["Drs:ChunkSize"] = "10", ["Drs:MaxConcurrentChunks"] = "2" });

        var batch = await client.GetProgressAsync(Caller, ids);

        Assert.Equal(3, batch.UpstreamCalls);
        Assert.All(ids, id => Assert.Equal(id, batch[id].Value?.JobId));
        var calls = await Control.GetRequestsAsync();
        Assert.Equal([10, 10, 5], calls.Select(c => c.JobIds!.Count).Order().Reverse());
    }

    [Fact]
    public async Task Progress_sends_no_paging_because_the_call_has_none()
    {
        var ids = await ExistingJobIdsAsync(12);

        var batch = await NewClient().GetProgressAsync(Caller, ids);

        Assert.All(ids, id => Assert.True(batch[id].IsSuccess, batch[id].Error?.ToString()));
        var call = Assert.Single(await Control.GetRequestsAsync());
        Assert.Equal("progress", call.Endpoint);
        Assert.Null(call.PageReq);
        Assert.Equal(ids, call.JobIds);
    }

    [Fact]
    public async Task Duplicate_ids_are_sent_once_and_answered_once()
    {
        var ids = await ExistingJobIdsAsync(3);
        string[] asked = [ids[0], ids[1], ids[0], ids[2], ids[1], ids[0]];

        var batch = await NewClient().GetStatusesAsync(Caller, asked);

        Assert.Equal(ids, batch.Results.Keys);
        Assert.All(batch.Results.Values, r => Assert.True(r.IsSuccess));
        var call = Assert.Single(await Control.GetRequestsAsync());
        Assert.Equal(ids, call.JobIds);
    }
}
