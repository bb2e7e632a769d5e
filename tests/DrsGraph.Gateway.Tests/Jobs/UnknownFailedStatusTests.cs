using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Jobs;

/// <summary>
/// isFailed is documented as true for every *_FAILED status. A *_FAILED status DRS adds later (UNKNOWN to the gateway)
/// was not failed; it is now, by its raw value, and its phase is FAILED. It stays non-terminal: only the listed statuses are terminal.
/// </summary>
public sealed class UnknownFailedStatusTests
{
    private const string NewFailure = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private const string NewRunning = "dc67695a-ee3e-49b8-a022-a099bd81jb21";

    [Fact]
    public async Task An_unknown_failed_status_is_failed_and_not_terminal()
    {
        await using var drs = await StubUpstream.StartAsync((context, _) => StubUpstream.WriteJsonAsync(context, 200, $$"""
            {"count":2,"results":[{"id":"{{NewFailure}}","status":"SWITCHOVER_FAILED"},{"id":"{{NewRunning}}","status":"SWITCHOVER_STARTED"}]}
            """));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress);

        var answer = (await rig.QueryAsync($$"""
            {
              all: jobs(ids: ["{{NewFailure}}", "{{NewRunning}}"]) { id status rawStatus isFailed isTerminal phase }
              failed: jobs(ids: ["{{NewFailure}}", "{{NewRunning}}"], where: { isFailed: { eq: true } }) { id }
              failedPhase: jobs(ids: ["{{NewFailure}}", "{{NewRunning}}"], where: { phase: { eq: FAILED } }) { id }
            }
            """)).AssertNoErrors();

        var jobs = answer.Data!["all"]!.AsArray();
        Assert.Equal(["UNKNOWN", "UNKNOWN"], jobs.Select(j => j!["status"]!.GetValue<string>()));
        Assert.Equal("SWITCHOVER_FAILED", jobs[0]!["rawStatus"]!.GetValue<string>());
        Assert.True(jobs[0]!["isFailed"]!.GetValue<bool>());
        Assert.False(jobs[0]!["isTerminal"]!.GetValue<bool>());
        Assert.False(jobs[1]!["isFailed"]!.GetValue<bool>());
        Assert.Equal([NewFailure], answer.Data["failed"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()));
        // Its phase says FAILED too, so a filter on phase finds what one on isFailed finds; the other is UNKNOWN.
        Assert.Equal(["FAILED", "UNKNOWN"], jobs.Select(j => j!["phase"]!.GetValue<string>()));
        Assert.Equal([NewFailure], answer.Data["failedPhase"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()));
    }
}
