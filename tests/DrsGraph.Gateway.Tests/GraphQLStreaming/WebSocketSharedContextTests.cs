using System.Collections.Concurrent;
using DrsGraph.Gateway.Tests.Subscriptions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>The rig, keeping the HttpContext of every WebSocket upgrade so a test can look at its features.</summary>
public sealed class UpgradeContextRig : SubscriptionRig
{
    public ConcurrentQueue<HttpContext> Upgrades { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IStartupFilter>(new KeepUpgrades(Upgrades));

    private sealed class KeepUpgrades(ConcurrentQueue<HttpContext> upgrades) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, inner) =>
            {
                if (string.Equals(context.Request.Headers.Upgrade, "websocket", StringComparison.OrdinalIgnoreCase))
                {
                    upgrades.Enqueue(context);
                }

                await inner();
            });
            next(app);
        };
    }
}

/// <summary>
/// A socket's operations run concurrently on one HttpContext, the upgrade's, which is not thread-safe: an operation
/// that changed its features (the rate limiter's charge, set by an HTTP request's first operation) emptied the
/// context's feature caches under the others, whose RequestServices could then read null and fail the operation
/// with an internal error (CoalescingAtScaleTests, once: an "error" message instead of "next").
/// </summary>
public sealed class WebSocketSharedContextTests(UpgradeContextRig rig) : IClassFixture<UpgradeContextRig>
{
    [Fact]
    public async Task Operations_running_at_once_on_one_socket_leave_the_upgrades_features_as_connection_init_left_them()
    {
        var ids = await rig.CreateJobsAsync(3);
        var address = new Uri($"ws://{rig.Client.BaseAddress!.Authority}/graphql");
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(address, new Dictionary<string, string> { ["X-Auth-Token"] = SubscriptionRig.Token });
        var upgrade = Assert.Single(rig.Upgrades);
        var settled = upgrade.Features.Revision;

        // Rate limiting is on (the default): each operation is charged against the socket's caller.
        const int Operations = 20;
        for (var i = 0; i < Operations; i++)
        {
            await client.SubscribeAsync($"q{i}", "query($ids: [ID!]!) { jobs(ids: $ids) { id status } }", new { ids });
        }

        var answered = new HashSet<string>(StringComparer.Ordinal);
        while (answered.Count < Operations)
        {
            var message = await client.ReceiveAsync();
            var type = (string?)message["type"];
            if (type == "ping")
            {
                continue;
            }

            Assert.True(type is "next" or "complete", $"Expected next or complete, got {message.ToJsonString()}");
            if (type == "next")
            {
                Assert.Null(message["payload"]!["errors"]);
                Assert.Equal(ids.Count, message["payload"]!["data"]!["jobs"]!.AsArray().Count);
            }
            else
            {
                answered.Add((string)message["id"]!);
            }
        }

        Assert.Equal(settled, upgrade.Features.Revision);
    }
}
