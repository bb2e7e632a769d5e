using System.Net;
using System.Text.Json;
using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.GraphQLStreaming;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// A page or an ID list far above what its field accepts is refused by the field with its own code, every time:
/// the rate limiter charges it as the field's largest, not as the thousands of jobs it names (a charge above
/// the bucket was never granted, so such a request answered RATE_LIMITED on every retry).
/// </summary>
public sealed class OversizeRequestTests
{
    /// <summary>The default bucket (100 permits, 25 jobs each) that refills once a minute: what is charged stays charged.</summary>
    private static readonly Dictionary<string, string?> DefaultBucketNoRefill = GatewayRig.With(
        null,
        ("Gateway:Security:RateLimit:BurstLimit", "100"),
        ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
        ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:01:00"),
        ("Gateway:Security:RateLimit:JobsPerPermit", "25"));

    [Fact]
    public async Task A_page_or_an_id_list_far_above_the_maximum_is_refused_with_its_code_on_every_retry_not_rate_limited()
    {
        await using var rig = await GatewayRig.StartAsync(DefaultBucketNoRefill);
        // 2500 IDs, 7 distinct (the distinct-ID limit, 500 per operation, is not what this is about).
        var ids = Enumerable.Range(0, 2500).Select(i => $"00000000-0000-0000-0000-{i % 7:x8}jb00").ToArray();
        var distinct = Enumerable.Range(0, 2500).Select(i => $"00000000-0000-0000-0000-{i:x8}jb00").ToArray();

        var answers = new List<(string Shape, GraphQLAnswer Answer, string Code)>();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            answers.Add(("projectJobs(first: 5000)", await rig.QueryAsync("{ projectJobs(first: 5000) { totalCount } }"), "PAGE_SIZE_EXCEEDED"));
            answers.Add(("projectJobs(last: 5000)", await rig.QueryAsync("{ projectJobs(last: 5000) { totalCount } }"), "PAGE_SIZE_EXCEEDED"));
            answers.Add(("jobs(2500 IDs)", await rig.QueryAsync("query($ids: [ID!]!) { jobs(ids: $ids) { id } }", variables: new { ids }), "TOO_MANY_JOB_IDS"));
        }

        answers.Add(("jobsConnection(2500 IDs)", await rig.QueryAsync("query($ids: [ID!]!) { jobsConnection(ids: $ids, first: 5000) { totalCount } }", variables: new { ids }), "TOO_MANY_JOB_IDS"));
        // Refused before it runs by the distinct-ID limit, a clear answer too; charged as 500 IDs like the others.
        var tooManyDistinct = await rig.QueryAsync("query($ids: [ID!]!) { jobs(ids: $ids) { id } }", variables: new { ids = distinct });

        Assert.Equal(HttpStatusCode.BadRequest, tooManyDistinct.Status);
        Assert.Equal(["TOO_MANY_DISTINCT_JOB_IDS"], tooManyDistinct.Codes);
        Assert.All(answers, a =>
        {
            Assert.True(a.Answer.Status == HttpStatusCode.OK, $"{a.Shape}: {(int)a.Answer.Status} {a.Answer.Raw}");
            Assert.Equal([a.Code], a.Answer.Codes);
        });

        // Each was charged what the field could load at most (50 jobs: 3 permits; 500 IDs: 21; the door's included):
        // 2 x (3 + 3 + 21) + 21 + 21 = 96 of 100.
        // Enough is left for an ordinary query, which would not be true had the sizes asked for been charged.
        (await rig.QueryAsync("{ __typename }")).AssertNoErrors();
    }

    [Fact]
    public async Task A_subscription_to_a_page_far_above_the_maximum_is_refused_with_its_code_on_every_retry_over_sse()
    {
        await using var rig = await GatewayRig.StartAsync(DefaultBucketNoRefill);
        var body = JsonSerializer.Serialize(new { query = "subscription { projectJobsUpdates(first: 5000) { changes } }" });

        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var stream = await SseReader.PostAsync(rig.Client, body, ("X-Auth-Token", GatewayRig.Token));
            var items = await stream.ReadToEndAsync();
            var all = string.Join("\n", items.Select(i => $"{i.Event}: {i.Data}"));

            Assert.True(stream.Status == HttpStatusCode.OK, $"attempt {attempt}: {(int)stream.Status} {all}");
            Assert.Contains("PAGE_SIZE_EXCEEDED", all, StringComparison.Ordinal);
            Assert.DoesNotContain("RATE_LIMITED", all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_subscription_to_a_page_far_above_the_maximum_is_refused_with_its_code_on_every_retry_over_a_websocket()
    {
        await using var rig = await GatewayRig.StartAsync(DefaultBucketNoRefill);
        var address = new Uri($"ws://{rig.Client.BaseAddress!.Authority}/graphql");
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(address, new Dictionary<string, string> { ["X-Auth-Token"] = GatewayRig.Token });

        for (var attempt = 0; attempt < 3; attempt++)
        {
            await client.SubscribeAsync($"s{attempt}", "subscription { projectJobsUpdates(first: 5000) { changes } }");
            var messages = new List<string>();
            do
            {
                messages.Add((await client.ReceiveAsync()).ToJsonString());
            }
            while (!messages[^1].Contains("\"complete\"", StringComparison.Ordinal) && !messages[^1].Contains("\"error\"", StringComparison.Ordinal));
            var answer = string.Join("\n", messages);

            Assert.Contains("PAGE_SIZE_EXCEEDED", answer, StringComparison.Ordinal);
            Assert.DoesNotContain("RATE_LIMITED", answer, StringComparison.Ordinal);
        }
    }
}
