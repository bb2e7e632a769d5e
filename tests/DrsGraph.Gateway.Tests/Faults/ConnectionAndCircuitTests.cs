using System.Net;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Faults;

/// <summary>Faults that need a gateway of their own: nobody listening upstream, and a circuit breaker that opens.</summary>
public sealed class ConnectionAndCircuitTests
{
    private const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    [Fact]
    public async Task A_refused_connection_answers_upstream_unavailable_quickly()
    {
        await using var rig = GatewayRig.StartAgainstClosedPort(GatewayRig.FastFaults);

        var answer = await rig.QueryAsync($"{{ job(id: \"{JobId}\") {{ id status detail {{ name }} }} }}");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(JobId, answer.Data!["job"]!["id"]!.GetValue<string>());
        Assert.Equal(2, answer.Errors.Count);
        Assert.All(answer.Codes, code => Assert.Equal("UPSTREAM_UNAVAILABLE", code));
        Assert.Contains("could not be reached", answer.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.InRange(answer.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        rig.Logs.AssertNone("Unhandled exception");
    }

    [Fact]
    public async Task The_circuit_opens_on_persistent_5xx_fails_fast_and_closes_again_after_the_break()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            GatewayRig.FastFaults,
            ("Drs:Resilience:CircuitBreaker:MinimumThroughput", "2"),
            ("Drs:Resilience:CircuitBreaker:FailureRatio", "0.5"),
            ("Drs:Resilience:CircuitBreaker:BreakDuration", "00:00:01")));
        var query = $"{{ job(id: \"{JobId}\") {{ status }} }}";
        await rig.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 500, failureCode = "DRS.M00004" });

        // Persistent 5xx until the breaker opens (a couple of requests: each makes three failed attempts).
        GraphQLAnswer? open = null;
        for (var i = 0; i < 10 && open is null; i++)
        {
            var answer = await rig.QueryAsync(query);
            Assert.Equal("UPSTREAM_UNAVAILABLE", Assert.Single(answer.Codes));
            if (IsCircuitOpen(answer))
            {
                open = answer;
            }
        }

        Assert.NotNull(open);

        // Open: the next request fails at once and DRS is not called at all.
        await rig.ClearUpstreamLogAsync();
        var fast = await rig.QueryAsync(query);
        Assert.True(IsCircuitOpen(fast), fast.Raw);
        Assert.InRange(fast.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.Equal(0, await rig.UpstreamCallCountAsync());

        // DRS recovers; after the break duration a probe goes through and the circuit closes.
        await rig.ClearFaultsAsync();
        GraphQLAnswer? recovered = null;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        while (recovered is null && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(250);
            var answer = await rig.QueryAsync(query);
            if (answer.Errors.Count == 0)
            {
                recovered = answer;
            }
        }

        Assert.NotNull(recovered);
        Assert.Equal("INCRE_TRANSFER_STARTED", recovered.Data!["job"]!["status"]!.GetValue<string>());
        (await rig.QueryAsync(query)).AssertNoErrors();
    }

    private static bool IsCircuitOpen(GraphQLAnswer answer) =>
        answer.Errors.Any(e => e!["message"]!.GetValue<string>().Contains("circuit breaker", StringComparison.Ordinal));
}
