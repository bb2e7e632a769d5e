using System.Text.Json;
using DrsGraph.Emulator.Tests.Infrastructure;

namespace DrsGraph.Emulator.Tests.Control;

/// <summary>GET/DELETE /_emulator/requests: every upstream call, in order, never the token.</summary>
public sealed class RequestLogTests
{
    private const string Job = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    private static async Task<JsonElement[]> RequestsAsync(EmulatorHost host) =>
        [.. (await host.ControlAsync(HttpMethod.Get, "/_emulator/requests")).GetProperty("requests").EnumerateArray()];

    [Fact]
    public async Task Every_call_is_logged_in_order_with_what_was_sent_and_what_was_answered()
    {
        await using var host = await EmulatorHost.StartAsync();

        await host.CallAsync("status", $$$"""{"jobs":["{{{Job}}}"],"page_req":{"cur_page":1,"per_page":100}}""", language: "en-us");
        await host.CallAsync("progress", $$"""{"jobs":["{{Job}}","dc67695a-ee3e-49b8-a022-a099bd81jb21"]}""");
        await host.CallAsync("detail", $$$"""{"jobs":["{{{Job}}}"],"page_req":{}}""");
        await host.CallAsync("detail", "this is not json");
        await host.CallAsync("status", $$"""{"jobs":["{{Job}}"]}""", token: null);
        var log = await RequestsAsync(host);

        Assert.Equal([1L, 2, 3, 4, 5], log.Select(r => r.GetProperty("sequence").GetInt64()));
        Assert.Equal(["status", "progress", "detail", "detail", "status"], log.Select(r => r.GetProperty("endpoint").GetString()));
        Assert.Equal([200, 202, 200, 400, 401], log.Select(r => r.GetProperty("statusCode").GetInt32()));
        Assert.All(log, r => Assert.Equal(EmulatorHost.DemoProject, r.GetProperty("projectId").GetString()));
        Assert.All(log, r => Assert.Equal("none", r.GetProperty("fault").GetString()));
        Assert.Equal("""{"curPage":1,"perPage":100}""", log[0].GetProperty("pageReq").GetRawText());
        Assert.Equal("en-us", log[0].GetProperty("language").GetString());
        Assert.Equal(JsonValueKind.Null, log[1].GetProperty("language").ValueKind);
        Assert.Equal(JsonValueKind.Null, log[1].GetProperty("pageReq").ValueKind);
        Assert.Equal("""{"curPage":null,"perPage":null}""", log[2].GetProperty("pageReq").GetRawText());
        Assert.Equal([Job, "dc67695a-ee3e-49b8-a022-a099bd81jb21"], log[1].GetProperty("jobIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, log[3].GetProperty("jobIds").ValueKind);
        Assert.Equal(EmulatorHost.Start, log[0].GetProperty("receivedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task The_log_never_holds_the_token()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CallAsync("status", $$"""{"jobs":["{{Job}}"]}""");
        await host.CallAsync("status", """{"jobs":[]}""", token: "secret-token-that-must-not-leak");

        using var response = await host.Client.GetAsync(new Uri("/_emulator/requests", UriKind.Relative));
        var raw = await response.Content.ReadAsStringAsync();

        Assert.Contains(Job, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(EmulatorHost.Token, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-that-must-not-leak", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_the_log_clears_it_and_restarts_the_sequence()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.CallAsync("status", $$"""{"jobs":["{{Job}}"]}""");
        await host.CallAsync("status", $$"""{"jobs":["{{Job}}"]}""");

        await host.ControlAsync(HttpMethod.Delete, "/_emulator/requests", expectedStatus: 204);
        var cleared = await RequestsAsync(host);
        await host.CallAsync("progress", $$"""{"jobs":["{{Job}}"]}""");
        var after = await RequestsAsync(host);

        Assert.Empty(cleared);
        Assert.Equal(1, after.Single().GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Concurrent_calls_are_all_logged_with_distinct_sequence_numbers()
    {
        await using var host = await EmulatorHost.StartAsync();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => host.CallAsync("status", $$"""{"jobs":["{{Job}}"]}""")));
        var log = await RequestsAsync(host);

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), log.Select(r => r.GetProperty("sequence").GetInt64()).Order());
    }
}
