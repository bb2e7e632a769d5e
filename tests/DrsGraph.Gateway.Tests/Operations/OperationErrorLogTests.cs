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
        Assert.Contains($"GraphQL query Failing answered with errors: 2 (UPSTREAM_UNAVAILABLE); DRS request ids: {string.Join(',', requestIds)} (0 more operations with errors not logged since the last such line", line, StringComparison.Ordinal);
        Assert.DoesNotContain(GatewayFixture.Token, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operation_refused_before_it_ran_says_no_DRS_request_was_made()
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().CaptureLogs().StartAsync();

        var refused = await gateway.QueryAsync("query Broken { jobs(ids: [\"nope\"]) { id } }", GatewayFixture.Token);

        Assert.Equal("INVALID_JOB_ID", refused.Errors.Single()!["extensions"]!["code"]!.GetValue<string>());
        var line = Assert.Single(gateway.Logs.Entries, entry => entry.Contains(Category, StringComparison.Ordinal));
        Assert.Contains("GraphQL query Broken answered with errors: 1 (INVALID_JOB_ID); DRS request ids: none (0 more", line, StringComparison.Ordinal);
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

    /// <remarks>
    /// A client can cause errors at will (helper B's churn against deleted jobs wrote 71 MB of these lines in 26 minutes):
    /// ten lines a second at most, and the next line says how many were not logged, so none goes uncounted.
    /// </remarks>
    [Fact]
    public async Task A_flood_of_operations_with_errors_logs_ten_lines_a_second_and_counts_the_rest()
    {
        await using var gateway = await GatewayHost.Builder().WithEmulator().CaptureLogs().StartAsync();
        const int Flood = 60;
        var elapsed = System.Diagnostics.Stopwatch.StartNew();

        // Twenty at a time: quick enough that ten lines a second cannot log them all even on a slow machine.
        for (var wave = 0; wave < Flood / 20; wave++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(wave * 20, 20).Select(i =>
                gateway.QueryAsync($"query Flood{i} {{ jobs(ids: [\"nope\"]) {{ id }} }}", GatewayFixture.Token)));
            Assert.All(answers, refused => Assert.Equal("INVALID_JOB_ID", refused.Errors.Single()!["extensions"]!["code"]!.GetValue<string>()));
        }

        var seconds = elapsed.Elapsed.TotalSeconds;
        var flooded = Lines(gateway);
        Assert.InRange(flooded.Count, 10, (10 * ((int)seconds + 1)) + 10);
        Assert.True(flooded.Count < Flood, $"{flooded.Count} lines for {Flood} operations in {seconds:0.0} s");

        // A second later the budget is back, and the next line counts what the flood's lines left out.
        await Task.Delay(1_100);
        await gateway.QueryAsync("query After { jobs(ids: [\"nope\"]) { id } }", GatewayFixture.Token);
        var after = Assert.Single(Lines(gateway), line => line.Contains("GraphQL query After ", StringComparison.Ordinal));
        var unlogged = int.Parse(System.Text.RegularExpressions.Regex.Match(after, @"\((\d+) more operations with errors not logged").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var logged = flooded.Sum(line => int.Parse(System.Text.RegularExpressions.Regex.Match(line, @"\((\d+) more operations").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Flood, flooded.Count + logged + unlogged);
    }

    private static List<string> Lines(GatewayHost gateway) =>
        [.. gateway.Logs.Entries.Where(entry => entry.Contains(Category, StringComparison.Ordinal))];
}
