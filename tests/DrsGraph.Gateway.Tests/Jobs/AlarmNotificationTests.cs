using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Jobs;

/// <summary>
/// batch-detail's <c>alarm_notify</c> is an object in real DRS (the SDKs' <c>QuerySmnInfoResp</c>). Read as a string,
/// it failed the whole detail of every job with alarm notifications, and filters on detail fields dropped the job.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class AlarmNotificationTests(GatewayFixture fixture)
{
    // The page's first example job; the emulator gives it alarm notifications by e-mail and SMS.
    private const string WithAlarms = "24834eb6-be30-464e-a299-f7aa730jb101";
    private const string WithoutAlarms = "140b5236-88ad-43c8-811c-1268453jb101";

    [Fact]
    public async Task A_jobs_alarm_notification_comes_back_as_an_object_and_detail_filters_keep_the_job()
    {
        var answer = (await fixture.QueryAsync($$"""
            {
              jobs(ids: ["{{WithAlarms}}", "{{WithoutAlarms}}"], where: { useType: { eq: MIGRATION } }) {
                id
                detail {
                  name alarmNotify
                  alarmNotification { topicName delayTime rtoDelay rpoDelay alarmToUser subscriptions { protocol endpoints } }
                }
              }
            }
            """)).AssertNoErrors();

        var jobs = answer.Data!["jobs"]!.AsArray();
        Assert.Equal([WithAlarms, WithoutAlarms], jobs.Select(j => j!["id"]!.GetValue<string>()));
        var detail = jobs[0]!["detail"]!;
        Assert.Equal("DRS-3999-lws", detail["name"]!.GetValue<string>());
        var alarm = detail["alarmNotification"]!;
        Assert.Equal("drs-alarms-lws", alarm["topicName"]!.GetValue<string>());
        Assert.Equal(300, alarm["delayTime"]!.GetValue<long>());
        Assert.Equal(600, alarm["rtoDelay"]!.GetValue<long>());
        Assert.Equal(900, alarm["rpoDelay"]!.GetValue<long>());
        Assert.True(alarm["alarmToUser"]!.GetValue<bool>());
        Assert.Equal(
            ["email lws@example.com", "sms +4915112345678"],
            alarm["subscriptions"]!.AsArray().Select(s => s!["protocol"]!.GetValue<string>() + " " + string.Join(",", s["endpoints"]!.AsArray().Select(e => e!.GetValue<string>()))));
        // The deprecated string field now says the topic instead of failing.
        Assert.Equal("drs-alarms-lws", detail["alarmNotify"]!.GetValue<string>());

        Assert.Null(jobs[1]!["detail"]!["alarmNotification"]);
        Assert.Null(jobs[1]!["detail"]!["alarmNotify"]);
    }

    [Theory]
    [InlineData("\"drs-alarms\"")]
    [InlineData("42")]
    [InlineData("[\"sms\"]")]
    [InlineData("true")]
    public async Task An_alarm_notify_of_another_shape_is_left_out_and_the_detail_still_serves(string alarmNotify)
    {
        const string id = "9a470239-2308-4bb5-a6bc-1040402fjb21";
        await using var drs = await StubUpstream.StartAsync((context, call) => StubUpstream.WriteJsonAsync(context, 200, call.Operation == "batch-detail"
            ? $$"""{"count":1,"results":[{"id":"{{id}}","name":"odd-alarms","status":"INCRE_TRANSFER_STARTED","db_use_type":"sync","alarm_notify":{{alarmNotify}}}]}"""
            : StubUpstream.HealthyBody(call)));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress);

        var answer = (await rig.QueryAsync($$"""
            { jobs(ids: ["{{id}}"], where: { useType: { eq: SYNC } }) { id detail { name useType alarmNotify alarmNotification { topicName } } } }
            """)).AssertNoErrors();

        var job = Assert.Single(answer.Data!["jobs"]!.AsArray())!;
        Assert.Equal("odd-alarms", job["detail"]!["name"]!.GetValue<string>());
        Assert.Null(job["detail"]!["alarmNotification"]);
        Assert.Null(job["detail"]!["alarmNotify"]);
        // Nothing wrong with the job: no log line for a field it could do without.
        rig.Logs.AssertNone("alarm");
    }

    [Theory]
    [InlineData("""{"topic_name":"t","delay_time":"soon","subscriptions":[{"endpoints":["a@example.com"],"protocol":"email"}]}""", 1)]
    [InlineData("""{"topic_name":"t","subscriptions":"email"}""", 0)]
    public async Task A_member_of_the_wrong_type_is_left_out_and_the_rest_of_the_notification_serves(string alarmNotify, int subscriptions)
    {
        const string id = "9a470239-2308-4bb5-a6bc-1040402fjb21";
        await using var drs = await StubUpstream.StartAsync((context, call) => StubUpstream.WriteJsonAsync(context, 200, call.Operation == "batch-detail"
            ? $$"""{"count":1,"results":[{"id":"{{id}}","name":"odd-alarms","status":"INCRE_TRANSFER_STARTED","alarm_notify":{{alarmNotify}}}]}"""
            : StubUpstream.HealthyBody(call)));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress);

        var answer = (await rig.QueryAsync($$"""
            { job(id: "{{id}}") { detail { name alarmNotify alarmNotification { topicName delayTime subscriptions { protocol } } } } }
            """)).AssertNoErrors();

        var detail = answer.Data!["job"]!["detail"]!;
        Assert.Equal("odd-alarms", detail["name"]!.GetValue<string>());
        Assert.Equal("t", detail["alarmNotification"]!["topicName"]!.GetValue<string>());
        Assert.Null(detail["alarmNotification"]!["delayTime"]);
        Assert.Equal(subscriptions, detail["alarmNotification"]!["subscriptions"]!.AsArray().Count);
        Assert.Equal("t", detail["alarmNotify"]!.GetValue<string>());
        rig.Logs.AssertNone("alarm");
    }
}
