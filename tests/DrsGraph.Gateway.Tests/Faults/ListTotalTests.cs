namespace DrsGraph.Gateway.Tests.Faults;

/// <summary>A job list's <c>total_record</c> is DRS's to state, however large: it is a number, never a crash.</summary>
public sealed class ListTotalTests
{
    /// <remarks>
    /// Without a use type the gateway walks each of the three and adds their totals: three totals near int.MaxValue
    /// overflowed that sum, an unhandled OverflowException with a stack trace in the log and code OVERFLOW.
    /// </remarks>
    [Fact]
    public async Task Totals_near_the_int_range_in_every_walk_answer_filter_too_broad_not_an_overflow()
    {
        await using var drs = await StubUpstream.StartAsync((context, _) =>
            StubUpstream.WriteJsonAsync(context, 200, """{ "jobs": [], "total_record": 2147483647 }"""));
        await using var rig = GatewayRig.StartAgainst(drs.BaseAddress, GatewayRig.FastFaults);

        var answer = await rig.QueryAsync("{ projectJobs(first: 4) { totalCount } }");

        Assert.Equal(["FILTER_TOO_BROAD"], answer.Codes);
        Assert.Equal(3, drs.Calls.Count(c => c.Path.EndsWith("/jobs", StringComparison.Ordinal)));
        rig.Logs.AssertNone("OverflowException");
    }
}
