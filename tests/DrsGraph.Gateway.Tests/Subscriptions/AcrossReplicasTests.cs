using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Subscriptions;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Subscriptions;

/// <summary>
/// Issue 14 item 4: replicas sharing a Redis share each scope's polling (one lease holder polls DRS and
/// publishes, the others fan out), take over when the holder stops, and fall back to polling for themselves
/// while Redis is down. Real emulator, real Redis, two real gateway hosts.
/// </summary>
public sealed class AcrossReplicasTests(ReplicasRig rig) : IClassFixture<ReplicasRig>
{
    private const string StatusOnly = "subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { job { id status } changes } }";

    private const string UpstreamCalls = "drsgraph.subscriptions.poll.upstream_calls";

    // Long enough for about ten polls at the rig's 200 ms MaxTick.
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Two_replicas_sharing_Redis_cost_the_same_upstream_calls_as_one_and_both_replicas_subscribers_see_each_change()
    {
        var ids = await rig.CreateJobsAsync(20);
        await using var a = await rig.StartReplicaAsync();
        await using var b = await rig.StartReplicaAsync();

        // One replica alone: its poller has backed off to MaxTick once its subscribers have their first events.
        var onA = await SubscribeManyAsync(a, ids, 10);
        // The rig's Redis outlives each test: a lease on the same scope left by an earlier test's replica holds A off
        // until it lapses (the rig's LeaseDuration), and A would poll nothing in the window.
        await SubscriptionRig.Eventually(() => ReplicasRig.Feeds(a).LeasesHeld == 1, "replica A to take the scope's lease");
        await rig.Emulator.ClearUpstreamLogAsync();
        await Task.Delay(Window);
        var alone = await rig.StatusCallsAsync(ids);

        // The second replica's subscribers follow the first one's polls: B asks DRS for nothing, and DRS sees only
        // A's polls. (Counted per replica rather than against the window alone: on a loaded machine the poll pace
        // of one window says little about the next.)
        var onB = await SubscribeManyAsync(b, ids, 10);
        await SubscriptionRig.Eventually(() => ReplicasRig.Feeds(b).LeasesHeld == 0 && ReplicasRig.Feeds(a).LeasesHeld == 1, "replica A to hold the scope's lease alone");
        using (var pollsOfA = new MeterRecorder(a.Services, SubscriptionMetrics.MeterName))
        using (var pollsOfB = new MeterRecorder(b.Services, SubscriptionMetrics.MeterName))
        {
            await rig.Emulator.ClearUpstreamLogAsync();
            await Task.Delay(Window);
            var shared = await rig.StatusCallsAsync(ids);
            var asked = (A: pollsOfA.Total(UpstreamCalls, ("endpoint", "status")), B: pollsOfB.Total(UpstreamCalls, ("endpoint", "status")));

            Assert.InRange(alone, 5, 20);
            Assert.Equal(0, asked.B);
            Assert.True(pollsOfB.Total("drsgraph.subscriptions.shared.received") > 0, "replica B received no poll of A's");
            // A poll of A's under way when the log was cleared may reach DRS uncounted.
            Assert.InRange(shared, 1, asked.A + 1);
            Assert.InRange(shared, 1, 20);
        }

        Assert.Equal(1, ReplicasRig.Feeds(a).LeasesHeld + ReplicasRig.Feeds(b).LeasesHeld);

        // A change found by A's polls reaches B's subscribers through Redis.
        await rig.MoveAsync(ids[3], "INCRE_TRANSFER_STARTED");
        foreach (var subscription in onA.Concat(onB))
        {
            var change = await subscription.NextAsync();
            Assert.Equal(ids[3], Job(change)["id"]!.GetValue<string>());
            Assert.Equal(["STATUS"], Changes(change));
            Assert.Equal("INCRE_TRANSFER_STARTED", Job(change)["status"]!.GetValue<string>());
        }

        Dispose(onA, onB);
    }

    [Fact]
    public async Task Stopping_the_polling_replica_mid_run_loses_no_change_for_the_survivor_s_subscribers()
    {
        var ids = await rig.CreateJobsAsync(3);
        var a = await rig.StartReplicaAsync();
        await using var b = await rig.StartReplicaAsync();
        List<SubscriptionUnderTest> onB = [];
        try
        {
            var onA = await SubscribeManyAsync(a, ids, 2);
            await SubscriptionRig.Eventually(() => ReplicasRig.Feeds(a).LeasesHeld == 1, "replica A to take the scope's lease");
            onB = await SubscribeManyAsync(b, ids, 2);
            Assert.Equal(0, ReplicasRig.Feeds(b).LeasesHeld);

            // A change just before the holder stops, and one while it is stopping.
            await rig.MoveAsync(ids[0], "INCRE_TRANSFER_STARTED");
            var stopping = a.DisposeAsync().AsTask();
            await rig.MoveAsync(ids[1], "INCRE_TRANSFER_STARTED");
            await stopping;
            Assert.All(onA, s => Assert.True(s.IsCompleted || s.Pending > 0));

            // B takes the lease (A released it on its way out) and its subscribers see every change exactly once.
            await SubscriptionRig.Eventually(() => ReplicasRig.Feeds(b).LeasesHeld == 1, "replica B to take over the scope's lease");
            await rig.MoveAsync(ids[2], "INCRE_TRANSFER_STARTED");
            foreach (var subscription in onB)
            {
                var changes = await subscription.NextAsync(3);
                Assert.Equal(ids.Order(), changes.Select(c => Job(c)["id"]!.GetValue<string>()).Order());
                Assert.All(changes, c => Assert.Equal("INCRE_TRANSFER_STARTED", Job(c)["status"]!.GetValue<string>()));
                Assert.All(changes, c => Assert.Equal(["STATUS"], Changes(c)));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
            Assert.All(onB, s => Assert.Equal(0, s.Pending));
        }
        finally
        {
            Dispose(onB);
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task When_the_holder_dies_without_releasing_its_lease_another_replica_takes_over_once_it_lapses_and_no_change_is_lost()
    {
        var ids = await rig.CreateJobsAsync(2);
        await using var a = await rig.StartReplicaAsync();
        var onA = await SubscribeManyAsync(a, ids, 2);
        await SubscriptionRig.Eventually(() => ReplicasRig.Feeds(a).LeasesHeld == 1, "replica A to take the scope's lease");

        // Another replica takes the lease and dies at once (it never publishes, never releases): what A sees of a
        // holder whose process was killed.
        var leaseKey = ReplicasRig.LeaseKeyOf(a);
        await rig.Redis.WithServerAsync((_, database) => database.StringSetAsync(leaseKey, "a-replica-that-died", TimeSpan.FromSeconds(1)));
        await SubscriptionRig.Eventually(() => ReplicasRig.Feeds(a).LeasesHeld == 0, "replica A to notice it lost the lease");
        await rig.MoveAsync(ids[0], "INCRE_TRANSFER_STARTED");

        // The dead holder's lease lapses (the 1 s it was set with), A takes it back and its polls find the change.
        await SubscriptionRig.Eventually(() => ReplicasRig.Feeds(a).LeasesHeld == 1, "replica A to take over the lapsed lease");
        foreach (var subscription in onA)
        {
            var change = await subscription.NextAsync();
            Assert.Equal(ids[0], Job(change)["id"]!.GetValue<string>());
            Assert.Equal(["STATUS"], Changes(change));
        }

        Assert.Equal(ReplicasRig.Feeds(a).ReplicaId, await rig.Redis.WithServerAsync(async (_, database) => (string?)await database.StringGetAsync(leaseKey)));
        Assert.Equal(1, ReplicasRig.Feeds(a).LeasesHeld);
        Dispose(onA);
    }

    /// <remarks>
    /// A holder whose process is killed outright (SIGKILL: no release, no last message) while its ticks have backed off
    /// far past its lease: between its polls its heartbeat kept the lease (the follower never took over while it lived),
    /// and once it is dead the lease lapses one lease after its last heartbeat, so the follower takes over well before
    /// the dead holder's next tick would have come, and finds the change made meanwhile.
    /// </remarks>
    [Fact]
    public async Task A_holder_process_killed_between_long_ticks_is_replaced_within_about_a_lease_and_no_change_is_lost()
    {
        var ids = await rig.CreateJobsAsync(2);
        // The follower: ticks as the rig's, and the default lease (2 s) like the holder's.
        await using var b = await rig.StartReplicaAsync(("Gateway:Subscriptions:LeaseDuration", "00:00:02"));
        var leaseKey = ReplicasRig.LeaseKeyOf(b);
        // The holder: the real program in a process of its own, with the default lease and ticks backing off to 6 s.
        await using var holder = await GatewayProcess.StartAsync("Production", new Dictionary<string, string>
        {
            ["Drs:Endpoint"] = rig.Emulator.BaseAddress.ToString(),
            ["Drs:AllowInsecureEndpoint"] = "true",
            ["ConnectionStrings:Redis"] = rig.Redis.ConnectionString,
            ["Gateway:Cache:KeySecret"] = ReplicasRig.KeySecret,
            ["Gateway:Health:WarmUpRequests"] = "0",
            ["Gateway:Subscriptions:MaxTick"] = "00:00:06",
        }, TimeSpan.FromSeconds(90));
        using var onHolder = await SubscribeOverSseAsync(holder.Client, ids);
        using (var taking = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            // The only replica with subscribers takes the lease at its first poll.
            while (await rig.Redis.WithServerAsync(async (_, database) => (string?)await database.StringGetAsync(leaseKey)) is null)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), taking.Token);
            }
        }

        var onB = await SubscribeManyAsync(b, ids, 1);

        // The holder's ticks back off (1, 2, 4, then 6 s) while nothing changes: its lease (2 s) outlives every gap between
        // its polls only through its heartbeat, and the follower, hearing nothing for seconds at a time, never gets it.
        var backingOff = Stopwatch.StartNew();
        while (backingOff.Elapsed < TimeSpan.FromSeconds(9))
        {
            Assert.Equal(0, ReplicasRig.Feeds(b).LeasesHeld);
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        await holder.SignalAsync("KILL");
        var dead = Stopwatch.StartNew();
        await holder.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await rig.MoveAsync(ids[0], "INCRE_TRANSFER_STARTED");
        await SubscriptionRig.Eventually(() => ReplicasRig.Feeds(b).LeasesHeld == 1, "the follower to take over the dead holder's lease");
        var takeover = dead.Elapsed;
        var change = await onB[0].NextAsync();

        Assert.Equal(ids[0], Job(change)["id"]!.GetValue<string>());
        Assert.Equal(["STATUS"], Changes(change));
        // A lease (2 s) after the last heartbeat, plus a try every quarter of a lease: well within the dead holder's 6 s tick
        // (with a lease of twice MaxTick and no heartbeat, it took 12 s).
        Assert.True(takeover < TimeSpan.FromSeconds(5), $"took over {takeover.TotalSeconds:F1} s after the kill");
        Dispose(onB);
    }

    /// <summary>Subscribes over Server-Sent Events on a gateway process and waits for the first event of each job.</summary>
    private static async Task<HttpResponseMessage> SubscribeOverSseAsync(HttpClient client, IReadOnlyList<string> ids)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("graphql", UriKind.Relative))
        {
            Content = JsonContent.Create(new { query = StatusOnly, variables = new { ids } }),
        };
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add(CallerContextBuilder.AuthTokenHeader, SubscriptionRig.Token);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var initial = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (initial < ids.Count && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            initial += line.StartsWith("data:", StringComparison.Ordinal) && line.Contains("INITIAL", StringComparison.Ordinal) ? 1 : 0;
        }

        Assert.Equal(ids.Count, initial);
        return response;
    }

    [Fact]
    public async Task Redis_killed_mid_run_events_keep_coming_and_sharing_recovers_when_it_returns()
    {
        var ids = await rig.CreateJobsAsync(2);
        await using var a = await rig.StartReplicaAsync();
        await using var b = await rig.StartReplicaAsync();
        var onA = await SubscribeManyAsync(a, ids, 1);
        var onB = await SubscribeManyAsync(b, ids, 1);
        await SubscriptionRig.Eventually(() => ReplicasRig.Feeds(a).LeasesHeld + ReplicasRig.Feeds(b).LeasesHeld == 1, "one replica to hold the scope's lease");

        await rig.Redis.StopProcessAsync();
        try
        {
            // Each replica polls for its own subscribers: nobody holds a lease, the change still arrives.
            await rig.MoveAsync(ids[0], "INCRE_TRANSFER_STARTED");
            foreach (var subscription in onA.Concat(onB))
            {
                var change = await subscription.NextAsync();
                Assert.Equal(ids[0], Job(change)["id"]!.GetValue<string>());
                Assert.Equal(["STATUS"], Changes(change));
            }

            Assert.Equal(0, ReplicasRig.Feeds(a).LeasesHeld + ReplicasRig.Feeds(b).LeasesHeld);
            // Each replica says once that it polls for itself now (whether a command failed or the client saw the outage first).
            foreach (var replica in new[] { a, b })
            {
                Assert.Equal(1, replica.Logs.Count("Redis cannot be used to share subscription polls"));
            }
        }
        finally
        {
            await rig.Redis.StartProcessAsync();
        }

        // Back to one poller for both replicas, and changes still reach everyone once.
        await SubscriptionRig.Eventually(() => ReplicasRig.Feeds(a).LeasesHeld + ReplicasRig.Feeds(b).LeasesHeld == 1, "sharing to resume after Redis returned");
        await SubscriptionRig.Eventually(
            () => a.Logs.Count("subscription polls are shared again") == 1 && b.Logs.Count("subscription polls are shared again") == 1,
            "each replica to say once that polls are shared again");
        await rig.MoveAsync(ids[1], "INCRE_TRANSFER_STARTED");
        foreach (var subscription in onA.Concat(onB))
        {
            var change = await subscription.NextAsync();
            Assert.Equal(ids[1], Job(change)["id"]!.GetValue<string>());
            Assert.Equal(["STATUS"], Changes(change));
        }

        await rig.Emulator.ClearUpstreamLogAsync();
        await Task.Delay(Window);
        // About ten polls of one replica in the window, not two replicas' twenty.
        Assert.InRange(await rig.StatusCallsAsync(ids), 1, 14);
        Assert.All(onA.Concat(onB), s => Assert.Equal(0, s.Pending));
        Dispose(onA, onB);
    }

    /// <remarks>
    /// Anyone who can publish on Redis could hand every replica's subscribers job events, or end their streams with a
    /// "token refused" message: only what a replica sharing the secret sealed for the channel is heard. Likewise a
    /// registration of watched jobs written by anyone else would have the holder poll DRS for them with the scope's token.
    /// </remarks>
    [Fact]
    public async Task Messages_and_registrations_in_Redis_without_the_replicas_seal_are_ignored()
    {
        var ids = await rig.CreateJobsAsync(3);
        var watched = ids.Take(2).ToList();
        var planted = ids[2];
        await using var a = await rig.StartReplicaAsync();
        await using var b = await rig.StartReplicaAsync();
        var onA = await SubscribeManyAsync(a, watched, 1);
        await SubscriptionRig.Eventually(() => ReplicasRig.Feeds(a).LeasesHeld == 1, "replica A to take the scope's lease");
        var onB = await SubscribeManyAsync(b, watched, 2);

        var scope = ReplicasRig.LeaseKeyOf(a)[..^"sub:lease".Length];
        var channel = scope + "sub:feed";
        var refused = new SharedScopeMessage("a-forger", false, DateTime.UtcNow, true, null).ToUtf8();
        var otherSecret = new RedisSeal(System.Text.Encoding.UTF8.GetBytes("another-deployment-secret-0123456789"));
        // A genuine message captured an hour ago and published again: sealed right, but not a live observation.
        var replayed = new RedisSeal(System.Text.Encoding.UTF8.GetBytes(ReplicasRig.KeySecret))
            .Seal(channel, new SharedScopeMessage("a-replica", false, DateTime.UtcNow.AddHours(-1), true, null).ToUtf8());
        var farFuture = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        await rig.Redis.WithServerAsync(async (_, database) =>
        {
            await database.HashSetAsync(scope + "sub:watch", $"a-forger|{planted}", $"pd|{farFuture}");
            await database.PublishAsync(StackExchange.Redis.RedisChannel.Literal(channel), refused);
            await database.PublishAsync(StackExchange.Redis.RedisChannel.Literal(channel), otherSecret.Seal(channel, refused));
            await database.PublishAsync(StackExchange.Redis.RedisChannel.Literal(channel), otherSecret.Seal(channel, refused));
            return await database.PublishAsync(StackExchange.Redis.RedisChannel.Literal(channel), replayed);
        });
        await rig.Emulator.ClearUpstreamLogAsync();
        await Task.Delay(Window);

        // Nobody's stream ended, the planted job was never polled, and a real change still reaches everyone.
        Assert.All(onA.Concat(onB), s => Assert.False(s.IsCompleted));
        Assert.Equal(0, await rig.StatusCallsAsync([planted]));
        Assert.True(await rig.StatusCallsAsync(watched) > 0);
        await rig.MoveAsync(watched[1], "INCRE_TRANSFER_STARTED");
        foreach (var subscription in onA.Concat(onB))
        {
            var change = await subscription.NextAsync();
            Assert.Equal(watched[1], Job(change)["id"]!.GetValue<string>());
        }

        // One line each, however many arrived.
        Assert.Equal(1, b.Logs.Count("without this gateway's seal was ignored"));
        Assert.Equal(1, a.Logs.Count("A watched-job registration in Redis without this gateway's seal was ignored"));
        Dispose(onA, onB);
    }

    private static async Task<List<SubscriptionUnderTest>> SubscribeManyAsync(GatewayHost replica, IReadOnlyList<string> ids, int count)
    {
        var subscriptions = new List<SubscriptionUnderTest>(count);
        for (var i = 0; i < count; i++)
        {
            var subscription = await SubscriptionRig.SubscribeAsync(replica.Services, StatusOnly, new { ids });
            Assert.True(subscription.Started, subscription.Result.ToJsonString());
            subscriptions.Add(subscription);
        }

        foreach (var subscription in subscriptions)
        {
            var initial = await subscription.NextAsync(ids.Count);
            Assert.All(initial, e => Assert.Equal(["INITIAL"], Changes(e)));
        }

        return subscriptions;
    }

    private static JsonNode Job(JsonObject e) => e["data"]!["jobUpdates"]!["job"]!;

    private static string[] Changes(JsonObject e) => [.. e["data"]!["jobUpdates"]!["changes"]!.AsArray().Select(c => c!.GetValue<string>())];

    private static void Dispose(params IEnumerable<SubscriptionUnderTest>[] groups)
    {
        foreach (var subscription in groups.SelectMany(g => g))
        {
            subscription.Dispose();
        }
    }
}
