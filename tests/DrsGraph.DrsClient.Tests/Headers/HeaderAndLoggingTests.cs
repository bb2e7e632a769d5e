using DrsGraph.DrsClient.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace DrsGraph.DrsClient.Tests.Headers;

public sealed class HeaderAndLoggingTests(EmulatorFixture emulator) : EmulatorTest(emulator)
{
    [Fact]
    public async Task The_callers_language_is_forwarded_and_absent_when_not_set()
    {
        var ids = await ExistingJobIdsAsync(1);
        var client = NewClient();

        await client.GetStatusesAsync(Caller with { Language = "zh-cn" }, ids);
        await client.GetStatusesAsync(Caller, ids);

        var calls = await Control.GetRequestsAsync();
        Assert.Equal(["zh-cn", null], calls.Select(c => c.Language));
    }

    [Fact]
    public async Task The_token_reaches_drs_but_neither_the_request_log_nor_any_client_log_line()
    {
        var ids = await ExistingJobIdsAsync(2);
        var host = NewHost();

        var ok = await host.Client.GetDetailsAsync(Caller, ids);
        var refused = await host.Client.GetDetailsAsync(new DrsCaller("token-secret-never-logged", EmulatorFixture.DemoProject), ids);

        // Proof the token was sent: the emulator's tenants accepted one and refused the other.
        Assert.All(ok.Results.Values, r => Assert.True(r.IsSuccess));
        Assert.All(refused.Results.Values, r => Assert.Equal(DrsErrorKind.Unauthorized, r.Error?.Kind));
        var raw = await Control.GetRequestsRawAsync();
        Assert.DoesNotContain(EmulatorFixture.DemoToken, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("token-secret-never-logged", raw, StringComparison.Ordinal);
        Assert.NotEmpty(host.Logs.Entries);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Mentions(EmulatorFixture.DemoToken) || e.Mentions("token-secret-never-logged"));
        Assert.DoesNotContain(EmulatorFixture.DemoToken, Caller.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_call_logs_one_debug_line_with_endpoint_project_count_status_and_request_id()
    {
        var ids = await ExistingJobIdsAsync(3);
        var host = NewHost();

        await host.Client.GetStatusesAsync(Caller, ids);

        var line = Assert.Single(host.Logs.Entries, e => e.Category == typeof(DrsClient).FullName && e.Level == LogLevel.Debug);
        Assert.Contains("Endpoint=status", line.Values, StringComparison.Ordinal);
        Assert.Contains($"ProjectId={EmulatorFixture.DemoProject}", line.Values, StringComparison.Ordinal);
        Assert.Contains("IdCount=3", line.Values, StringComparison.Ordinal);
        Assert.Contains("StatusCode=200", line.Values, StringComparison.Ordinal);
        Assert.Matches("RequestId=[0-9a-f]{32}", line.Values);
    }

    [Fact]
    public async Task A_failed_call_logs_a_warning_with_the_error_code()
    {
        var ids = await ExistingJobIdsAsync(1);
        var host = NewHost();

        await host.Client.GetStatusesAsync(new DrsCaller(EmulatorFixture.OtherToken, EmulatorFixture.DemoProject), ids);

        var ours = host.Logs.Entries.Where(e => e.Category == typeof(DrsClient).FullName).ToList();
        var warning = Assert.Single(ours, e => e.Level == LogLevel.Warning);
        Assert.Contains("DRS.M00261", warning.Message, StringComparison.Ordinal);
        Assert.Contains("StatusCode=403", Assert.Single(ours, e => e.Level == LogLevel.Debug).Values, StringComparison.Ordinal);
    }
}
