using DrsGraph.Emulator.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace DrsGraph.Emulator.Tests.Drs;

/// <summary>Behaviour switched by the Emulator options: tenants, progress status code, ID cap, validation.</summary>
public sealed class ConfigurationTests
{
    private const string Job = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private const string OtherProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

    private static Dictionary<string, string?> Tenants() => new()
    {
        ["Emulator:Tenants:alice-token:0"] = EmulatorHost.DemoProject,
        ["Emulator:Tenants:bob-token:0"] = OtherProject,
    };

    [Fact]
    public async Task With_tenants_configured_an_unknown_token_is_401()
    {
        await using var host = await EmulatorHost.StartAsync(Tenants());

        var answer = await host.CallAsync("status", $$"""{"jobs":["{{Job}}"]}""", token: "mallory-token");

        Assert.Equal(401, answer.Status);
        Assert.Equal("APIGW.0301", answer.ErrorCode);
    }

    [Fact]
    public async Task With_tenants_configured_a_known_token_on_a_foreign_project_is_403_invalid_project()
    {
        await using var host = await EmulatorHost.StartAsync(Tenants());

        var answer = await host.CallAsync("detail", $$"""{"jobs":["{{Job}}"]}""", token: "bob-token");

        Assert.Equal(403, answer.Status);
        Assert.Equal("DRS.M00261", answer.ErrorCode);
        Assert.Equal("Invalid project ID.", answer.Body.GetProperty("error_msg").GetString());
        Assert.Equal(answer.RequestId, answer.Body.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task With_tenants_configured_a_known_token_on_its_own_project_is_answered()
    {
        await using var host = await EmulatorHost.StartAsync(Tenants());

        var answer = await host.CallAsync("status", $$"""{"jobs":["{{Job}}"]}""", token: "alice-token");
        var bobsOwn = await host.CallAsync("status", $$"""{"jobs":["{{Job}}"]}""", token: "bob-token", project: OtherProject);

        Assert.Equal(200, answer.Status);
        Assert.Equal("INCRE_TRANSFER_STARTED", answer.Results[0].GetProperty("status").GetString());
        Assert.Equal(400, bobsOwn.Status);
        Assert.Equal("DRS.M00289", bobsOwn.Results[0].GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task Without_tenants_any_non_empty_token_is_accepted_for_any_project()
    {
        await using var host = await EmulatorHost.StartAsync();

        var answer = await host.CallAsync("status", $$"""{"jobs":["{{Job}}"]}""", token: "anything");
        var foreign = await host.CallAsync("status", $$"""{"jobs":["{{Job}}"]}""", token: "anything", project: OtherProject);

        Assert.Equal(200, answer.Status);
        Assert.NotEqual(401, foreign.Status);
        Assert.NotEqual(403, foreign.Status);
    }

    [Fact]
    public async Task Progress_answers_200_when_configured_so()
    {
        await using var host = await EmulatorHost.StartAsync(new Dictionary<string, string?> { ["Emulator:ProgressStatusCode"] = "200" });

        var answer = await host.CallAsync("progress", $$"""{"jobs":["{{Job}}"]}""");

        Assert.Equal(200, answer.Status);
    }

    [Fact]
    public async Task A_cap_on_ids_per_call_rejects_bigger_batches_with_invalid_value()
    {
        await using var host = await EmulatorHost.StartAsync(new Dictionary<string, string?> { ["Emulator:MaxJobsPerCall"] = "2" });

        var three = await host.CallAsync("status", $$"""{"jobs":["{{Job}}","dc67695a-ee3e-49b8-a022-a099bd81jb21","8d0e8e36-a618-490d-8a46-8c61ac9jb502"]}""");
        var two = await host.CallAsync("status", $$"""{"jobs":["{{Job}}","dc67695a-ee3e-49b8-a022-a099bd81jb21"]}""");

        Assert.Equal(400, three.Status);
        Assert.Equal("DRS.M00202", three.ErrorCode);
        Assert.Equal(200, two.Status);
    }

    [Fact]
    public async Task The_number_of_generated_jobs_is_configurable()
    {
        await using var host = await EmulatorHost.StartAsync(new Dictionary<string, string?> { ["Emulator:GeneratedJobs"] = "12" });

        var jobs = await host.ControlAsync(HttpMethod.Get, "/_emulator/jobs");

        Assert.Equal(7 + 12, jobs.GetProperty("jobs").GetArrayLength());
    }

    [Theory]
    [InlineData("Emulator:ProgressStatusCode", "201")]
    [InlineData("Emulator:TimeScale", "0")]
    [InlineData("Emulator:MaxJobsPerCall", "-1")]
    public async Task Invalid_options_stop_the_emulator_at_start_up(string key, string value)
    {
        await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var host = await EmulatorHost.StartAsync(new Dictionary<string, string?> { [key] = value });
        });
    }
}
