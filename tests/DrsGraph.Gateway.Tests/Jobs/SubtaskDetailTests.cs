using System.Net;
using System.Net.Http.Json;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Jobs;

/// <summary>A subtask's detail names its parent (batch-detail's <c>parent_id</c>), as the project's job list does.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class SubtaskDetailTests(GatewayFixture fixture)
{
    private const string Parent = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeejb01";
    private const string Child = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeejb02";

    // A project of its own, so the shared emulator's demo project keeps its job counts.
    private const string Project = "5b0c7d1e2f3a4b5c6d7e8f9a0b1c2d3e";

    [Fact]
    public async Task A_subtasks_detail_has_its_parent_id_and_the_parents_has_none()
    {
        await CreateAsync(new { projectId = Project, ids = new[] { Parent }, status = "INCRE_TRANSFER_STARTED", dbUseType = "cloudDataGuard", frozen = true });
        await CreateAsync(new { projectId = Project, ids = new[] { Child }, status = "CHILD_TRANSFER_STARTED", dbUseType = "cloudDataGuard", frozen = true, parentId = Parent });

        var answer = (await fixture.QueryAsync($$"""
            {
              child: job(id: "{{Child}}") { status detail { id parentId } }
              parent: job(id: "{{Parent}}") { detail { id parentId } }
            }
            """, headers: new Dictionary<string, string> { ["X-Project-Id"] = Project })).AssertNoErrors();

        Assert.Equal("CHILD_TRANSFER_STARTED", answer.Data!["child"]!["status"]!.GetValue<string>());
        Assert.Equal(Parent, answer.Data["child"]!["detail"]!["parentId"]!.GetValue<string>());
        Assert.Null(answer.Data["parent"]!["detail"]!["parentId"]);
    }

    private async Task CreateAsync(object body)
    {
        using var response = await fixture.EmulatorClient.PostAsJsonAsync("/_emulator/jobs", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }
}
