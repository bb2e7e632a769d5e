using DrsGraph.DrsClient.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace DrsGraph.DrsClient.Tests.Protocol;

/// <summary>
/// <c>tags</c>, <c>speed_limit</c> (detail) and <c>progress_map</c> (progress) in a shape other than the one read: the
/// pages describe <c>progress_map</c> as an array where real DRS sends an object keyed by phase, and one tag of the wrong
/// shape failed the job's whole detail (every other field of it lost, <c>UPSTREAM_PROTOCOL_ERROR</c>). Now the part that
/// does not read is left out and the job is kept, as <c>alarm_notify</c> is.
/// </summary>
public sealed class LenientCollectionTests
{
    private const string A = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private const string B = "dc67695a-ee3e-49b8-a022-a099bd81jb21";
    private const string C = "24834eb6-be30-464e-a299-f7aa730jb101";
    private const string D = "140b5236-88ad-43c8-811c-1268453jb101";
    private static readonly DrsCaller Caller = new("stub-token-1b2c", "054ba152d480d55b2f5dc0069e7ddef0", "en-us");

    [Fact]
    public async Task Tags_and_speed_limits_of_another_shape_are_left_out_and_the_rest_of_the_detail_is_kept()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$$"""
            {"count":4,"results":[
              {"id":"{{{A}}}","name":"tags as an object","status":"CONFIGURATION","tags":{"env":"prod"},"speed_limit":{"speed":"10"},"node_num":3},
              {"id":"{{{B}}}","name":"one bad tag","status":"CONFIGURATION","tags":[{"key":"env","value":"prod"},"team=dba",{"key":{"k":1},"value":"x"},7,{"key":"tier","value":"gold"}],
               "speed_limit":[{"speed":"10","begin":"01:00","end":"02:00","is_utc":true},[1],{"speed":{"x":1}}],"node_num":2},
              {"id":"{{{C}}}","name":"tags as a string","status":"CONFIGURATION","tags":"env=prod","speed_limit":null},
              {"id":"{{{D}}}","name":"empty","status":"CONFIGURATION","tags":[],"speed_limit":[]}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetDetailsAsync(Caller, [A, B, C, D]);

        Assert.Equal(["tags as an object", "one bad tag", "tags as a string", "empty"], new[] { A, B, C, D }.Select(id => batch[id].Value?.Name));
        Assert.Null(batch[A].Value!.Tags);
        Assert.Null(batch[A].Value!.SpeedLimit);
        Assert.Equal(3, batch[A].Value!.NodeNum);
        Assert.Equal([("env", "prod"), ("tier", "gold")], batch[B].Value!.Tags!.Select(t => (t.Key, t.Value)));
        Assert.Equal([("10", "01:00", "02:00", (bool?)true)], batch[B].Value!.SpeedLimit!.Select(s => (s.Speed, s.Begin, s.End, s.IsUtc)));
        // What follows a left-out part is still read.
        Assert.Equal(2, batch[B].Value!.NodeNum);
        Assert.Null(batch[C].Value!.Tags);
        Assert.Empty(batch[D].Value!.Tags!);
        Assert.Empty(batch[D].Value!.SpeedLimit!);
        Assert.All(batch.Results.Values, r => Assert.Null(r.Error));
        Assert.DoesNotContain(host.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_progress_map_of_another_shape_is_left_out_and_the_rest_of_the_progress_is_kept()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$$"""
            {"count":3,"results":[
              {"job_id":"{{{A}}}","progress":"40","progress_map":[{"struct":{"completed":"94%"}}],"task_mode":"FULL_TRANS"},
              {"job_id":"{{{B}}}","progress":"50","progress_map":{"struct":{"completed":"94%","remaining_time":"5"},"index":"done","data":{"completed":{"x":1}},"data":{"completed":"100%"}},"task_mode":"FULL_INCR_TRANS"},
              {"job_id":"{{{C}}}","progress":"60","progress_map":"struct=94%","transfer_status":"FULL_TRANSFER_STARTED"}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetProgressAsync(Caller, [A, B, C]);

        Assert.Equal(["40", "50", "60"], new[] { A, B, C }.Select(id => batch[id].Value?.Progress));
        Assert.Null(batch[A].Value!.ProgressMap);
        Assert.Equal("FULL_TRANS", batch[A].Value!.TaskMode);
        var map = batch[B].Value!.ProgressMap!;
        // The phase that is a string is left out; of the repeated name the last one counts, as before.
        Assert.Equal(["data", "struct"], map.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("94%", "5"), (map["struct"].Completed, map["struct"].RemainingTime));
        Assert.Equal("100%", map["data"].Completed);
        Assert.Equal("FULL_INCR_TRANS", batch[B].Value!.TaskMode);
        Assert.Null(batch[C].Value!.ProgressMap);
        Assert.Equal("FULL_TRANSFER_STARTED", batch[C].Value!.TransferStatus);
        Assert.All(batch.Results.Values, r => Assert.Null(r.Error));
    }
}
