using DrsGraph.DrsClient.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace DrsGraph.DrsClient.Tests.Batching;

/// <summary>The OTC pages answer batch-progress with 202, current Huawei pages with 200: both are success.</summary>
public sealed class ProgressStatusCodeTests
{
    [Theory]
    [InlineData(202)]
    [InlineData(200)]
    public async Task Progress_answered_with_either_success_code_yields_values(int statusCode)
    {
        var (app, baseAddress) = await EmulatorFixture.StartAsync(
            new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero)),
            new Dictionary<string, string?> { ["Emulator:ProgressStatusCode"] = statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using var _ = app;
        using var control = new EmulatorControl(baseAddress);
        var ids = (await control.ListJobsAsync()).Where(j => !j.Deleted).Select(j => j.Id).Take(3).ToList();
        await using var host = ClientHost.Create(baseAddress);

        var batch = await host.Client.GetProgressAsync(new DrsCaller(EmulatorFixture.DemoToken, EmulatorFixture.DemoProject), ids);

        Assert.Equal(3, ids.Count);
        Assert.All(ids, id => Assert.Equal(id, batch[id].Value?.JobId));
        Assert.Equal(statusCode, Assert.Single(await control.GetRequestsAsync()).StatusCode);
    }
}
