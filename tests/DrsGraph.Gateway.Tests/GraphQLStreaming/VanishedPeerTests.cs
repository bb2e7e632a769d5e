using System.Diagnostics;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>
/// A client that vanishes without closing (a laptop lid, a NAT entry dropped): an SSE stream has no pong, and its keep-alive
/// comments went into TCP's retransmissions for about 15 minutes, the subscription, its caller slot and its DRS polling
/// with them. The real program runs in a network namespace of its own (unshare -n, as root), whose loopback link is taken
/// down under an open stream: the subscriber is gone without a FIN or a reset, exactly as a vanished peer is.
/// </summary>
public sealed class VanishedPeerTests
{
    private const string Script = """
        set -u
        ip link set lo up
        ASPNETCORE_ENVIRONMENT=Development Logging__Console__FormatterName=simple dotnet "$1" --urls http://127.0.0.1:7801 \
          --Gateway:Health:WarmUpRequests=0 --Gateway:EmbeddedEmulator:Urls=http://127.0.0.1:7802 \
          --GraphQL:Streaming:KeepAliveInterval=00:00:01 --GraphQL:Streaming:UnacknowledgedTimeout="$2" > "$3" 2>&1 &
        gateway=$!
        for _ in $(seq 1 120); do curl -s -o /dev/null http://127.0.0.1:7801/health/live && break; sleep 0.5; done
        curl -s -N -X POST http://127.0.0.1:7801/graphql -H 'Content-Type: application/json' -H 'Accept: text/event-stream' \
          --data '{"query":"subscription { jobUpdates(ids: [\"9a470239-2308-4bb5-a6bc-1040402fjb21\"]) { job { id status } changes } }"}' > /dev/null &
        subscriber=$!
        subscriptions() { curl -s http://127.0.0.1:7801/metrics | grep '^drsgraph_graphql_subscriptions{.*transport="sse"' | awk '{ print $NF }'; }
        for _ in $(seq 1 60); do [ "$(subscriptions)" = "1" ] && break; sleep 0.5; done
        echo "before: $(subscriptions)"
        ip link set lo down
        sleep 8
        ip link set lo up
        sleep 1
        echo "after: $(subscriptions)"
        kill "$subscriber" "$gateway" 2>/dev/null
        wait 2>/dev/null
        """;

    [Theory]
    // Dropped once its keep-alives stay unacknowledged for 3 s.
    [InlineData("00:00:03", "0")]
    // The system's default (what the gateway did before): still there 8 s later.
    [InlineData("00:00:00", "1")]
    public async Task An_sse_subscriber_that_vanished_is_dropped_once_its_keep_alives_go_unacknowledged(string timeout, string after)
    {
        var script = Path.GetTempFileName();
        var log = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(script, Script);
            var start = new ProcessStartInfo("unshare")
            {
                ArgumentList = { "-n", "bash", script, Path.Combine(AppContext.BaseDirectory, "DrsGraph.Gateway.dll"), timeout, log },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var run = Process.Start(start)!;
            var output = run.StandardOutput.ReadToEndAsync();
            var errors = run.StandardError.ReadToEndAsync();
            await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
            var said = await output + await errors;

            Assert.Contains("before: 1", said, StringComparison.Ordinal);
            Assert.Contains($"after: {after}", said, StringComparison.Ordinal);
            var gatewayLog = await File.ReadAllTextAsync(log);
            Assert.DoesNotContain("fail:", gatewayLog, StringComparison.Ordinal);
            Assert.DoesNotContain("crit:", gatewayLog, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(script);
            File.Delete(log);
        }
    }
}
