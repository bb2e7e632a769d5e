using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>
/// The one log line per GraphQL operation with errors: its type and name, how many errors and which codes, and
/// DRS's request ids (what DRS support asks for), next to the trace id of the log scope. Operations without
/// errors log nothing.
/// </summary>
public sealed class OperationErrorLogTests
{
    private const string Category = "DrsGraph.Gateway.Observability.GraphQLOperationTelemetry: ";

    [Fact]
    public async Task An_operation_whose_DRS_calls_failed_logs_one_line_with_its_codes_and_DRS_s_request_ids_and_one_without_errors_logs_none()
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().CaptureLogs().StartAsync();
        var ids = GatewayFixture.IdList(await gateway.Emulator!.CreateJobsAsync(2));
        (await gateway.QueryAsync($"query Fine {{ jobs(ids: {ids}) {{ status }} }}", GatewayFixture.Token)).AssertNoErrors();
        await gateway.Emulator.SetFaultsAsync(new { failureRate = 1.0, failureStatus = 503, failureCode = "DRS.M00004", endpoints = new[] { "progress" } });

        var failed = await gateway.QueryAsync($"query Failing {{ jobs(ids: {ids}) {{ status progress {{ percent }} }} }}", GatewayFixture.Token);

        Assert.Equal(2, failed.Errors.Count);
        var requestIds = failed.Errors.Select(e => e!["extensions"]!["upstreamRequestId"]?.GetValue<string>()).OfType<string>().Distinct().ToList();
        Assert.NotEmpty(requestIds);
        var line = Assert.Single(gateway.Logs.Entries, entry => entry.Contains(Category, StringComparison.Ordinal));
        Assert.StartsWith("Information ", line, StringComparison.Ordinal);
        Assert.Contains($"GraphQL query Failing answered with errors: 2 (UPSTREAM_UNAVAILABLE); DRS request ids: {string.Join(',', requestIds)} |", line, StringComparison.Ordinal);
        Assert.DoesNotContain(GatewayFixture.Token, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operation_refused_before_it_ran_says_no_DRS_request_was_made()
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().CaptureLogs().StartAsync();

        var refused = await gateway.QueryAsync("query Broken { jobs(ids: [\"nope\"]) { id } }", GatewayFixture.Token);

        Assert.Equal("INVALID_JOB_ID", refused.Errors.Single()!["extensions"]!["code"]!.GetValue<string>());
        var line = Assert.Single(gateway.Logs.Entries, entry => entry.Contains(Category, StringComparison.Ordinal));
        Assert.Contains("GraphQL query Broken answered with errors: 1 (INVALID_JOB_ID); DRS request ids: none |", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_megabyte_long_operation_name_is_cut_to_100_characters_in_its_log_line()
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().CaptureLogs().StartAsync();
        var name = "Q" + new string('A', 300_000);

        var refused = await gateway.QueryAsync($"query {name} {{ jobs(ids: [\"nope\"]) {{ id }} }}", GatewayFixture.Token);

        Assert.Equal("INVALID_JOB_ID", refused.Errors.Single()!["extensions"]!["code"]!.GetValue<string>());
        var line = Assert.Single(gateway.Logs.Entries, entry => entry.Contains(Category, StringComparison.Ordinal));
        Assert.Contains($"GraphQL query {name[..100]}… answered with errors: 1 (INVALID_JOB_ID)", line, StringComparison.Ordinal);
        Assert.True(line.Length < 1_000, $"the line is {line.Length} characters long");
    }
}
