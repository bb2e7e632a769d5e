using DrsGraph.DrsClient.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace DrsGraph.DrsClient.Tests.Protocol;

/// <summary>
/// Answers that are no answer: a redirect (never followed, never retried, one line saying where it pointed) and an
/// answer nested deeper than System.Text.Json's default.
/// </summary>
public sealed class RedirectAndDepthTests
{
    private const string A = "9a470239-2308-4bb5-a6bc-1040402fjb21";
    private const string B = "dc67695a-ee3e-49b8-a022-a099bd81jb21";
    private static readonly DrsCaller Caller = new("stub-token-1b2c", "054ba152d480d55b2f5dc0069e7ddef0", "en-us");

    private static readonly Dictionary<string, string?> FastRetries = new()
    {
        ["Drs:Resilience:Retry:MaxRetryAttempts"] = "3",
        ["Drs:Resilience:Retry:Delay"] = "00:00:00.010",
    };

    /// <remarks>Its log line's cause was "-": nothing said where the upstream tried to send the call.</remarks>
    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_is_sent_once_and_logged_once_naming_where_it_pointed_without_its_query(int status)
    {
        await using var stub = await StubDrs.StartAsync((_, context) =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Location = "https://user:pw-in-userinfo@elsewhere.example:8443/v3/moved?sig=s3cret-in-query#frag";
            return Task.CompletedTask;
        });
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var batch = await host.Client.GetStatusesAsync(Caller, [A]);

        Assert.Single(stub.Requests);
        Assert.Equal(DrsErrorCodes.Redirected, batch[A].Error?.Code);
        Assert.Equal(DrsErrorKind.Protocol, batch[A].Error?.Kind);
        var line = Assert.Single(host.Logs.Entries, e => e.Category == typeof(DrsClient).FullName && e.Level >= LogLevel.Information);
        Assert.Contains($"HTTP {status} redirect to https://elsewhere.example:8443/v3/moved, not followed", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Mentions("s3cret-in-query") || e.Mentions("pw-in-userinfo") || e.Mentions("frag") || e.Mentions(Caller.AuthToken!));
    }

    /// <remarks>
    /// A relative Location is named as sent, and its escape sequences and bell reached the log raw (Kestrel will not
    /// send them, so a raw socket does): they are written as <c>\uXXXX</c>, like every other text DRS chooses.
    /// </remarks>
    [Fact]
    public async Task A_relative_redirect_s_control_characters_reach_the_log_escaped()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[65536];
            var read = 0;
            while (!System.Text.Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                read += await stream.ReadAsync(buffer.AsMemory(read));
            }

            await stream.WriteAsync("HTTP/1.1 302 Found\r\nLocation: /evil\u001b[31mRED\u001b[0m\u0007/path\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        });
        await using var host = ClientHost.Create(new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}/"), FastRetries);

        var batch = await host.Client.GetStatusesAsync(Caller, [A]);
        await serving;

        Assert.Equal(DrsErrorCodes.Redirected, batch[A].Error?.Code);
        var line = Assert.Single(host.Logs.Entries, e => e.Category == typeof(DrsClient).FullName && e.Level >= LogLevel.Information);
        Assert.Contains(@"redirect to /evil\u001B[31mRED\u001B[0m\u0007/path (relative)", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', line.Message);
    }

    /// <remarks>
    /// The body was read before the status was looked at: a redirect declaring a megabyte and sending none held the
    /// call for three attempt timeouts (UPSTREAM_TIMEOUT, the redirect never named), one declaring 100 MB failed as
    /// RESPONSE_TOO_LARGE.
    /// </remarks>
    [Theory]
    [InlineData(1_000_000L)]
    [InlineData(100_000_000L)]
    public async Task A_redirect_fails_as_a_redirect_without_its_body_being_read(long declared)
    {
        await using var stub = await StubDrs.StartAsync(async (_, context) =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = "https://elsewhere.example/v3/";
            context.Response.ContentLength = declared;
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        await using var host = ClientHost.Create(stub.BaseAddress, FastRetries);

        var batch = await host.Client.GetStatusesAsync(Caller, [A]);

        Assert.Single(stub.Requests);
        Assert.Equal(DrsErrorCodes.Redirected, batch[A].Error?.Code);
    }

    /// <remarks>
    /// Not retried, it did not count for the breaker either: an endpoint redirecting every call made every caller
    /// wait for its answer, over and over, instead of failing at once.
    /// </remarks>
    [Fact]
    public async Task An_endpoint_that_redirects_every_call_opens_the_circuit()
    {
        await using var stub = await StubDrs.StartAsync((_, context) =>
        {
            context.Response.StatusCode = 301;
            context.Response.Headers.Location = "https://elsewhere.example/v3/";
            return Task.CompletedTask;
        });
        await using var host = ClientHost.Create(stub.BaseAddress, new Dictionary<string, string?>
        {
            ["Drs:Resilience:CircuitBreaker:MinimumThroughput"] = "2",
            ["Drs:Resilience:CircuitBreaker:FailureRatio"] = "0.5",
            ["Drs:Resilience:CircuitBreaker:BreakDuration"] = "00:00:30",
        });

        var codes = new List<string?>();
        for (var i = 0; i < 6; i++)
        {
            codes.Add((await host.Client.GetStatusesAsync(Caller, [A]))[A].Error?.Code);
        }

        Assert.Equal(DrsErrorCodes.Redirected, codes[0]);
        Assert.Equal(DrsErrorCodes.CircuitOpen, codes[^1]);
        Assert.True(stub.Requests.Count < 6, $"{stub.Requests.Count} calls reached the redirecting endpoint");
    }

    /// <remarks>
    /// At System.Text.Json's default depth (64) such an answer failed its whole page as unreadable, every job of it,
    /// with an empty cause in the log line.
    /// </remarks>
    [Fact]
    public async Task A_job_with_a_deeply_nested_unknown_field_is_read_and_so_are_the_others()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"x\":", 100)) + "1" + new string('}', 100);
        await using var stub = await StubDrs.StartAsync((_, context) => StubDrs.WriteAsync(context, 200, $$"""
            {"count":2,"results":[
              {"id":"{{A}}","name":"deep","status":"CONFIGURATION","future_field":{{deep}}},
              {"id":"{{B}}","name":"plain","status":"CONFIGURATION"}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetDetailsAsync(Caller, [A, B]);

        Assert.True(batch[A].IsSuccess, batch[A].Error?.ToString());
        Assert.Equal("deep", batch[A].Value?.Name);
        Assert.Equal("plain", batch[B].Value?.Name);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Category == typeof(DrsClient).FullName && e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task An_answer_nested_past_the_limit_fails_with_a_log_line_saying_so()
    {
        var tooDeep = string.Concat(Enumerable.Repeat("{\"x\":", 300)) + "1" + new string('}', 300);
        await using var stub = await StubDrs.StartAsync((_, context) => StubDrs.WriteAsync(context, 200, $$"""
            {"count":1,"results":[{"id":"{{A}}","status":"CONFIGURATION","future_field":{{tooDeep}}}]}
            """));
        await using var host = ClientHost.Create(stub.BaseAddress);

        var batch = await host.Client.GetDetailsAsync(Caller, [A]);

        Assert.Equal(DrsErrorCodes.UnreadableResponse, batch[A].Error?.Code);
        var line = Assert.Single(host.Logs.Entries, e => e.Category == typeof(DrsClient).FullName && e.Level >= LogLevel.Warning);
        Assert.Contains("cause: unreadable JSON: The maximum configured depth of 256 has been exceeded", line.Message, StringComparison.Ordinal);
    }
}
