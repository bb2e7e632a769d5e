using DrsGraph.Gateway.Tests.Subscriptions;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>A gateway whose callers may spend three permits at once and get one back a minute.</summary>
public sealed class TightRateLimitRig : SubscriptionRig
{
    protected override IEnumerable<(string Key, string? Value)> Settings =>
    [
        ("Gateway:Security:RateLimit:BurstLimit", "3"),
        ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
        ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:01:00"),
    ];
}

/// <summary>Operations on a socket are charged to the caller of its connection_init, like HTTP requests are.</summary>
public sealed class WebSocketRateLimitTests(TightRateLimitRig rig) : IClassFixture<TightRateLimitRig>
{
    [Fact]
    public async Task Operations_past_the_callers_bucket_get_RATE_LIMITED_errors_and_the_socket_stays_open()
    {
        var http = rig.Client;
        var address = new Uri($"ws://{http.BaseAddress!.Authority}/graphql");
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(address, new Dictionary<string, string> { ["X-Auth-Token"] = SubscriptionRig.Token });

        var answers = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await client.SubscribeAsync($"q{i}", "{ __typename }");
            var answer = await client.ReceiveAsync();
            answers.Add(answer.ToJsonString());
            if ((string?)answer["type"] == "next")
            {
                Assert.Equal("complete", (string?)(await client.ReceiveAsync())["type"]);
            }
        }

        Assert.Contains(answers, a => a.Contains("\"type\":\"next\"", StringComparison.Ordinal));
        var refused = Assert.Single(answers, a => a.Contains("RATE_LIMITED", StringComparison.Ordinal) && a.Contains("\"id\":\"q4\"", StringComparison.Ordinal));
        Assert.Contains("\"type\":\"error\"", refused, StringComparison.Ordinal);
        await client.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (string?)(await client.ReceiveAsync())["type"]);
    }
}
