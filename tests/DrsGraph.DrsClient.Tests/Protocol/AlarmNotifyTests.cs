using DrsGraph.DrsClient.Tests.Infrastructure;
using DrsGraph.DrsClient.Wire;
using Microsoft.Extensions.Logging;

namespace DrsGraph.DrsClient.Tests.Protocol;

/// <summary>
/// <c>alarm_notify</c> of a detail item: an object in real DRS. It was read as a string, and every job with alarm
/// notifications failed its whole detail ("Expected a string, got StartObject").
/// </summary>
public sealed class AlarmNotifyTests
{
    private const string A = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private const string B = "dc67695a-ee3e-49b8-a022-a099bd81jb21";
    private const string C = "24834eb6-be30-464e-a299-f7aa730jb101";
    private const string D = "140b5236-88ad-43c8-811c-1268453jb101";
    private static readonly DrsCaller Caller = new("stub-token-1b2c", "054ba152d480d55b2f5dc0069e7ddef0", "en-us");

    [Fact]
    public async Task The_object_is_read_with_every_member()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$$"""
            {"count":1,"results":[{"id":"{{{A}}}","name":"alarmed","status":"INCRE_TRANSFER_STARTED","alarm_notify":{
              "subscriptions":[{"endpoints":["ops@example.com","dba@example.com"],"protocol":"email"},{"endpoints":["+4915112345678"],"protocol":"sms"}],
              "topic_name":"drs-alarms","delay_time":300,"rto_delay":"600","rpo_delay":9007199254740993,"alarm_to_user":true,"new_member":1}}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetDetailsAsync(Caller, [A]);

        var alarm = batch[A].Value?.AlarmNotify;
        Assert.NotNull(alarm);
        Assert.Equal("drs-alarms", alarm.TopicName);
        Assert.Equal(300, alarm.DelayTime);
        Assert.Equal(600, alarm.RtoDelay);
        Assert.Equal(9007199254740993, alarm.RpoDelay);
        Assert.True(alarm.AlarmToUser);
        Assert.Equal(["email", "sms"], alarm.Subscriptions!.Select(s => s.Protocol));
        Assert.Equal(["ops@example.com", "dba@example.com"], alarm.Subscriptions![0].Endpoints!);
        Assert.True(alarm.Extra!.ContainsKey("new_member"));
    }

    [Fact]
    public async Task A_value_that_is_not_an_object_is_dropped_without_failing_the_job_or_logging()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$$"""
            {"count":3,"results":[
              {"id":"{{{A}}}","name":"string","status":"CONFIGURATION","alarm_notify":"drs-alarms"},
              {"id":"{{{B}}}","name":"number","status":"CONFIGURATION","alarm_notify":7,"node_num":3},
              {"id":"{{{C}}}","name":"array","status":"CONFIGURATION","alarm_notify":[{"topic_name":"x"}]}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetDetailsAsync(Caller, [A, B, C]);

        Assert.Equal(["string", "number", "array"], new[] { A, B, C }.Select(id => batch[id].Value?.Name));
        Assert.All(batch.Results.Values, r => Assert.Null(r.Value!.AlarmNotify));
        // The rest of the item is still read after the dropped member.
        Assert.Equal(3, batch[B].Value!.NodeNum);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_member_of_the_wrong_type_is_left_out_and_every_other_member_is_kept()
    {
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$$"""
            {"count":3,"results":[
              {"id":"{{{A}}}","name":"one bad","status":"CONFIGURATION","alarm_notify":{"topic_name":"x","delay_time":{"s":1},"rto_delay":"600","new_member":[1]},"node_num":3},
              {"id":"{{{B}}}","name":"bad list","status":"CONFIGURATION","alarm_notify":{"subscriptions":"email","topic_name":"y","alarm_to_user":"yes","rpo_delay":60}},
              {"id":"{{{C}}}","name":"odd scalars","status":"CONFIGURATION","alarm_notify":{"topic_name":5,"delay_time":"soon"}}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetDetailsAsync(Caller, [A, B, C]);

        var one = batch[A].Value!.AlarmNotify!;
        Assert.Equal(("x", null, 600L), (one.TopicName, one.DelayTime, one.RtoDelay));
        Assert.True(one.Extra!.ContainsKey("new_member"));
        Assert.Equal(3, batch[A].Value!.NodeNum);

        var list = batch[B].Value!.AlarmNotify!;
        Assert.Equal(("y", null, null, 60L), (list.TopicName, list.Subscriptions, list.AlarmToUser, list.RpoDelay));

        // A number where a string belongs is read as its text; a delay that is no number is read as absent (as an omitted one).
        var odd = batch[C].Value!.AlarmNotify!;
        Assert.Equal(("5", null), (odd.TopicName, odd.DelayTime));
        Assert.DoesNotContain(host.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task An_object_with_a_bad_member_and_more_members_than_any_known_shape_is_dropped_whole()
    {
        // Each member tried alone costs microseconds: a broken upstream's huge object is not taken apart.
        var many = string.Concat(Enumerable.Range(0, LenientObjectConverter<AlarmNotifyWire>.MaxMembersTriedAlone).Select(i => $",\"m{i}\":{i}"));
        await using var stub = await StubDrs.StartAsync((_, ctx) => StubDrs.WriteAsync(ctx, 200, $$$"""
            {"count":2,"results":[
              {"id":"{{{A}}}","name":"huge","status":"CONFIGURATION","alarm_notify":{"topic_name":"x","delay_time":{"s":1}{{{many}}}},"node_num":3},
              {"id":"{{{B}}}","name":"huge but whole","status":"CONFIGURATION","alarm_notify":{"topic_name":"y"{{{many}}}}}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetDetailsAsync(Caller, [A, B]);

        Assert.Null(batch[A].Value!.AlarmNotify);
        Assert.Equal(3, batch[A].Value!.NodeNum);
        Assert.Equal("y", batch[B].Value!.AlarmNotify!.TopicName);
        Assert.Equal(LenientObjectConverter<AlarmNotifyWire>.MaxMembersTriedAlone, batch[B].Value!.AlarmNotify!.Extra!.Count);
    }
}
