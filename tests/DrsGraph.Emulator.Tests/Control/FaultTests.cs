using System.Diagnostics;
using System.Text.Json;
using DrsGraph.Emulator.Tests.Infrastructure;

namespace DrsGraph.Emulator.Tests.Control;

/// <summary>/_emulator/faults: deterministic counters, seeded rates, hangs, latency, validation.</summary>
public sealed class FaultTests
{
    private const string Body = """{"jobs":["9a470239-2308-4bb5-a6bc-1040402fjb21"]}""";

    private static async Task<JsonElement[]> RequestsAsync(EmulatorHost host) =>
        [.. (await host.ControlAsync(HttpMethod.Get, "/_emulator/requests")).GetProperty("requests").EnumerateArray()];

    [Fact]
    public async Task Fail_next_fails_exactly_the_next_n_calls_with_the_configured_error()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"failNext":2,"failureStatus":503,"failureCode":"DRS.M00004"}""");

        var first = await host.CallAsync("status", Body);
        var second = await host.CallAsync("detail", Body);
        var third = await host.CallAsync("status", Body);

        Assert.Equal(503, first.Status);
        Assert.Equal("DRS.M00004", first.ErrorCode);
        Assert.Equal(first.RequestId, first.Body.GetProperty("request_id").GetString());
        Assert.Equal(503, second.Status);
        Assert.Equal(200, third.Status);
        var log = await RequestsAsync(host);
        Assert.Equal(["failure", "failure", "none"], log.Select(r => r.GetProperty("fault").GetString()));
        Assert.Equal(0, (await host.ControlAsync(HttpMethod.Get, "/_emulator/faults")).GetProperty("failNext").GetInt32());
    }

    [Fact]
    public async Task Throttle_next_answers_429_with_retry_after()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"throttleNext":1,"retryAfterSeconds":7}""");

        var throttled = await host.CallAsync("progress", Body);
        var next = await host.CallAsync("progress", Body);

        Assert.Equal(429, throttled.Status);
        Assert.Equal("APIGW.0308", throttled.ErrorCode);
        Assert.Equal("policy user over ratelimit", throttled.Body.GetProperty("error_msg").GetString());
        Assert.Equal(TimeSpan.FromSeconds(7), throttled.Headers.RetryAfter?.Delta);
        Assert.Equal(202, next.Status);
        Assert.Equal("throttle", (await RequestsAsync(host))[0].GetProperty("fault").GetString());
    }

    [Fact]
    public async Task Hang_next_answers_only_when_the_client_gives_up()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"hangNext":1}""");
        using var impatient = new HttpClient { BaseAddress = host.Client.BaseAddress, Timeout = TimeSpan.FromMilliseconds(500) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v3/{EmulatorHost.DemoProject}/jobs/batch-status")
        {
            Content = new StringContent(Body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Auth-Token", EmulatorHost.Token);

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient.SendAsync(request));
        watch.Stop();
        var next = await host.CallAsync("status", Body);

        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(450), "the hung call did not answer before the client's timeout");
        Assert.Equal(200, next.Status);
        var hung = (await RequestsAsync(host))[0];
        Assert.Equal("hang", hung.GetProperty("fault").GetString());

        // The server notices the disconnect asynchronously; give it generous time to log it.
        for (var i = 0; i < 100 && hung.GetProperty("statusCode").ValueKind == JsonValueKind.Null; i++)
        {
            await Task.Delay(50);
            hung = (await RequestsAsync(host))[0];
        }

        Assert.Equal(499, hung.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task Latency_delays_the_answer_by_at_least_latency_ms()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"latencyMs":300,"jitterMs":50}""");

        var watch = Stopwatch.StartNew();
        var answer = await host.CallAsync("status", Body);
        watch.Stop();

        Assert.Equal(200, answer.Status);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {watch.Elapsed}");
        Assert.Equal("latency", (await RequestsAsync(host))[0].GetProperty("fault").GetString());
    }

    [Fact]
    public async Task Faults_only_touch_the_endpoints_they_name()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"failNext":1,"endpoints":["progress"]}""");

        var status = await host.CallAsync("status", Body);
        var progress = await host.CallAsync("progress", Body);

        Assert.Equal(200, status.Status);
        Assert.Equal(500, progress.Status);
    }

    [Fact]
    public async Task Faults_apply_after_authentication_so_a_401_does_not_use_up_a_counter()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"failNext":1}""");

        var unauthorized = await host.CallAsync("status", Body, token: null);
        var failed = await host.CallAsync("status", Body);

        Assert.Equal(401, unauthorized.Status);
        Assert.Equal(500, failed.Status);
    }

    [Fact]
    public async Task A_failure_rate_of_one_fails_every_call_and_of_zero_none()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"failureRate":1.0}""");
        var all = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => host.CallAsync("status", Body)));
        await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"failureRate":0.0}""");
        var none = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => host.CallAsync("status", Body)));

        Assert.All(all, a => Assert.Equal(500, a.Status));
        Assert.All(none, a => Assert.Equal(200, a.Status));
    }

    [Fact]
    public async Task A_partial_rate_is_reproducible_because_the_random_is_seeded()
    {
        async Task<List<int>> RunAsync()
        {
            await using var host = await EmulatorHost.StartAsync();
            await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"throttleRate":0.5}""");
            var statuses = new List<int>();
            for (var i = 0; i < 30; i++)
            {
                statuses.Add((await host.CallAsync("status", Body)).Status);
            }

            return statuses;
        }

        var first = await RunAsync();
        var second = await RunAsync();

        Assert.Equal(first, second);
        Assert.Contains(429, first);
        Assert.Contains(200, first);
    }

    [Fact]
    public async Task Put_echoes_get_returns_and_delete_clears_the_faults()
    {
        await using var host = await EmulatorHost.StartAsync();

        var echoed = await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", """{"latencyMs":5,"throttleRate":0.25,"endpoints":["detail"]}""");
        var current = await host.ControlAsync(HttpMethod.Get, "/_emulator/faults");
        await host.ControlAsync(HttpMethod.Delete, "/_emulator/faults", expectedStatus: 204);
        var cleared = await host.ControlAsync(HttpMethod.Get, "/_emulator/faults");

        Assert.Equal(5, echoed.GetProperty("latencyMs").GetInt32());
        Assert.Equal(0.25, echoed.GetProperty("throttleRate").GetDouble());
        Assert.Equal(["detail"], echoed.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(echoed.GetRawText(), current.GetRawText());
        Assert.Equal(0, cleared.GetProperty("latencyMs").GetInt32());
        Assert.Equal(500, cleared.GetProperty("failureStatus").GetInt32());
        Assert.Equal(3, cleared.GetProperty("endpoints").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"failureRate":1.5}""", "between 0 and 1")]
    [InlineData("""{"hangRate":-0.1}""", "between 0 and 1")]
    [InlineData("""{"failureStatus":200}""", "failureStatus")]
    [InlineData("""{"endpoints":["status","bogus"]}""", "bogus")]
    [InlineData("""{"failNext":-1}""", "negative")]
    [InlineData("""{"latencyMs":"slow"}""", "not a valid")]
    [InlineData("""{"jitterMs":2147483647}""", "at most 3600000")]
    [InlineData("""{"latencyMs":2000000,"jitterMs":2000000}""", "at most 3600000")]
    public async Task Invalid_fault_settings_are_rejected_with_a_clear_message(string body, string message)
    {
        await using var host = await EmulatorHost.StartAsync();

        var error = await host.ControlAsync(HttpMethod.Put, "/_emulator/faults", body, expectedStatus: 400);
        var unchanged = await host.ControlAsync(HttpMethod.Get, "/_emulator/faults");

        Assert.Contains(message, error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0.0, unchanged.GetProperty("failureRate").GetDouble());
    }
}
