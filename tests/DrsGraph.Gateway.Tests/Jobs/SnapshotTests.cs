using DrsGraph.Gateway.Tests.Infrastructure;
using Snapshooter.Xunit;

namespace DrsGraph.Gateway.Tests.Jobs;

/// <summary>Exact GraphQL responses for the API pages' example jobs, against the seeded emulator at a frozen time.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class SnapshotTests(GatewayFixture fixture)
{
    [Fact]
    public async Task The_detail_examples_come_back_fully_typed()
    {
        var answer = await fixture.QueryAsync("""
            {
              jobs(ids: ["24834eb6-be30-464e-a299-f7aa730jb101", "140b5236-88ad-43c8-811c-1268453jb101"]) {
                id status rawStatus phase isTerminal isFailed
                detail {
                  id name description status taskType createdAt startedAt fullTransferCompletedAt updatedAt
                  direction useType netType nodeCount needsRestart isTargetReadOnly objectSwitch replaceDefiner
                  migrateUser supportsIpV6 schemaType availabilityZone vpcId subnetId securityGroupId
                  source { dbType rawDbType host port sslEnabled region projectId instanceId instanceName user vpcId subnetId }
                  target { dbType host port sslEnabled region projectId instanceId instanceName user vpcId subnetId }
                  replicationInstance { ip publicIp instanceType engineType volumeSizeGb startedAt status }
                  speedLimits { megabytesPerSecond begin end isUtc }
                  tags { key value }
                  alarmNotification { topicName delayTime rtoDelay rpoDelay alarmToUser subscriptions { protocol endpoints } }
                }
              }
            }
            """);

        answer.AssertNoErrors();
        Snapshot.Match(GatewayFixture.Pretty(answer.Body));
    }

    [Fact]
    public async Task The_progress_examples_come_back_fully_typed()
    {
        var answer = await fixture.QueryAsync("""
            {
              jobs(ids: ["8d0e8e36-a618-490d-8a46-8c61ac9jb502", "edae91cb-5892-49b6-a529-4921fb26jb21", "f95c5d83-d0c9-42bd-b295-38c31cd1jb15"]) {
                id status
                progress {
                  percent transferStatus rawTransferStatus taskMode incrementalDelaySeconds incrementalDelayMilliseconds
                  processedAt remainingSeconds phases { name kind percent remainingSeconds } errorCode errorMessage
                }
              }
            }
            """);

        answer.AssertNoErrors();
        Snapshot.Match(GatewayFixture.Pretty(answer.Body));
    }

    [Fact]
    public async Task A_mixed_answer_with_errors_is_exact()
    {
        var answer = await fixture.QueryAsync("""
            {
              ok: job(id: "9a470239-2308-4bb5-a6bc-1040402fjb21") { status phase isTerminal isFailed }
              failed: job(id: "dc67695a-ee3e-49b8-a022-a099bd81jb21") { status phase isTerminal isFailed }
              missing: job(id: "ffffffff-ffff-ffff-ffff-ffffffffjb99") { id status }
              bad: jobs(ids: ["nope"]) { id }
            }
            """);

        // The emulator's request ids are random: check the shape, then leave them out of the snapshot.
        foreach (var error in answer.Errors)
        {
            var extensions = error!["extensions"]!.AsObject();
            if (extensions.Remove("upstreamRequestId", out var requestId))
            {
                Assert.Matches("^[0-9a-f]{32}$", requestId!.GetValue<string>());
            }
        }

        Snapshot.Match(GatewayFixture.Pretty(answer.Body));
    }
}
