using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.GraphQLStreaming;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// The rate limit cannot be escaped by rotating tokens (a ceiling per client address, honouring
/// X-Forwarded-For only from trusted proxies), charges batches and many-job queries by their size, and
/// never logs a token or a plain hash of one.
/// </summary>
public sealed class RateLimitTests
{
    private const string Query = "{ __typename }";

    /// <summary>Per-token limits out of the way; an address may send 5 requests, then 1 per 30 s.</summary>
    private static readonly Dictionary<string, string?> AddressCeilingOfFive = GatewayRig.With(
        null,
        ("Gateway:Security:RateLimit:BurstLimit", "100"),
        ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
        ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:00:30"),
        ("Gateway:Security:RateLimit:AddressBurstLimit", "5"),
        ("Gateway:Security:RateLimit:AddressTokensPerPeriod", "1"));

    [Fact]
    public async Task A_client_sending_a_new_token_with_every_request_is_refused_once_its_address_ceiling_is_spent()
    {
        await using var rig = await GatewayRig.StartAsync(AddressCeilingOfFive);

        var statuses = await SendWithNewTokensAsync(rig, 8);

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 5), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)], statuses.Select(s => s.Status));
        var refused = statuses[^1];
        Assert.Equal("RATE_LIMITED", refused.Codes.Single());
        Assert.Contains("client address", refused.Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(refused.RetryAfter);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.0/8")]
    public async Task An_exempt_address_keeps_only_its_per_token_limits(string exempt)
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(AddressCeilingOfFive, ("Gateway:Security:RateLimit:ExemptAddresses:0", exempt)));

        var statuses = await SendWithNewTokensAsync(rig, 8);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s.Status));
    }

    [Fact]
    public async Task An_exempt_address_still_has_per_token_limits()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            AddressCeilingOfFive, ("Gateway:Security:RateLimit:BurstLimit", "2"), ("Gateway:Security:RateLimit:ExemptAddresses:0", "127.0.0.1")));

        var answers = new List<GraphQLAnswer>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await SendAsync(rig, "one-tenant", forwardedFor: null));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers.Select(a => a.Status));
        Assert.Contains("from this caller", answers[^1].Errors[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task X_Forwarded_For_from_an_unknown_proxy_is_ignored()
    {
        await using var rig = await GatewayRig.StartAsync(AddressCeilingOfFive);

        // Each request claims another client address: a client can write the header itself.
        var statuses = await SendWithNewTokensAsync(rig, 8, i => $"10.9.0.{i + 1}");

        Assert.Equal(5, statuses.Count(s => s.Status == HttpStatusCode.OK));
        Assert.Equal(3, statuses.Count(s => s.Status == HttpStatusCode.TooManyRequests));
    }

    [Theory]
    [InlineData("Gateway:Security:ForwardedHeaders:KnownProxies:0", "127.0.0.1")]
    [InlineData("Gateway:Security:ForwardedHeaders:KnownNetworks:0", "127.0.0.0/8")]
    public async Task X_Forwarded_For_from_a_known_proxy_is_honoured(string key, string proxy)
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(AddressCeilingOfFive, (key, proxy)));

        // Behind the proxy, eight clients with one request each: none is over its ceiling.
        var clients = await SendWithNewTokensAsync(rig, 8, i => $"10.9.0.{i + 1}");
        // One client behind the proxy rotating tokens: refused after its five.
        var rotating = await SendWithNewTokensAsync(rig, 8, _ => "10.9.1.1", tokenPrefix: "rotating");
        // A client whose network is exempt, behind the same proxy.
        var exemptRig = await GatewayRig.StartAsync(GatewayRig.With(AddressCeilingOfFive, (key, proxy), ("Gateway:Security:RateLimit:ExemptAddresses:0", "10.20.0.0/16")));
        await using var _ = exemptRig;
        var exempt = await SendWithNewTokensAsync(exemptRig, 8, _ => "10.20.3.4");
        var notExempt = await SendWithNewTokensAsync(exemptRig, 8, _ => "10.21.3.4", tokenPrefix: "other");

        Assert.All(clients, s => Assert.Equal(HttpStatusCode.OK, s.Status));
        Assert.Equal(5, rotating.Count(s => s.Status == HttpStatusCode.OK));
        Assert.Equal(3, rotating.Count(s => s.Status == HttpStatusCode.TooManyRequests));
        Assert.All(exempt, s => Assert.Equal(HttpStatusCode.OK, s.Status));
        Assert.Equal(3, notExempt.Count(s => s.Status == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task IPv6_clients_share_one_ceiling_per_64_network()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(AddressCeilingOfFive, ("Gateway:Security:ForwardedHeaders:KnownProxies:0", "127.0.0.1")));

        var statuses = await SendWithNewTokensAsync(rig, 8, i => $"2001:db8:1:2::{i + 1:x}");

        Assert.Equal(3, statuses.Count(s => s.Status == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task A_batch_of_ten_operations_over_many_jobs_spends_more_than_one_permit()
    {
        // 30 permits; each batched operation names 10 jobs: 1 + 10/5 = 3 permits, 30 for the batch.
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null,
            ("Gateway:Security:RateLimit:BurstLimit", "32"),
            ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
            ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:01:00"),
            ("Gateway:Security:RateLimit:JobsPerPermit", "5")));
        var ids = await rig.CreateJobsAsync(10);
        var batch = Enumerable.Range(0, 10).Select(_ => new { query = "query($ids: [ID!]!) { jobs(ids: $ids) { id status } }", variables = new { ids } }).ToArray();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(batch) };
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);
        var batchAnswer = await rig.SendAsync(request);
        var after = new List<GraphQLAnswer>();
        for (var i = 0; i < 10 && (after.Count == 0 || after[^1].Status == HttpStatusCode.OK); i++)
        {
            after.Add(await rig.QueryAsync(Query));
        }

        Assert.Equal(HttpStatusCode.OK, batchAnswer.Status);
        Assert.DoesNotContain("RATE_LIMITED", batchAnswer.Raw, StringComparison.Ordinal);
        // 32 - 30 = 2 permits were left: two one-job queries, then 429.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], after.Select(a => a.Status));
    }

    /// <summary>
    /// The charge reads the operation that runs: an empty operationName (GraphQL.NET runs the only operation) and IDs
    /// written as a variable's default value were each charged 1 permit, whatever the jobs.
    /// </summary>
    [Theory]
    [InlineData("empty operationName")]
    [InlineData("default value")]
    public async Task An_operation_is_charged_for_its_jobs_however_it_names_them(string form)
    {
        // 10 permits; 40 jobs at 5 per permit cost 1 + 8 = 9, so one permit is left.
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null,
            ("Gateway:Security:RateLimit:BurstLimit", "10"),
            ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
            ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:01:00"),
            ("Gateway:Security:RateLimit:JobsPerPermit", "5")));
        var ids = Enumerable.Range(0, 40).Select(i => $"{i:x8}-2308-4bb5-a6bc-1040402fjb21").ToArray();
        object body = form == "default value"
            ? new { query = $"query Q($ids: [ID!]! = [{string.Join(", ", ids.Select(id => $"\"{id}\""))}]) {{ jobs(ids: $ids) {{ id }} }}" }
            : new { query = "query Q($ids: [ID!]!) { jobs(ids: $ids) { id } }", operationName = "", variables = new { ids } };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);
        var charged = await rig.SendAsync(request);
        var after = new List<GraphQLAnswer>();
        for (var i = 0; i < 5 && (after.Count == 0 || after[^1].Status == HttpStatusCode.OK); i++)
        {
            after.Add(await rig.QueryAsync(Query));
        }

        charged.AssertNoErrors();
        Assert.Equal(40, charged.Data!["jobs"]!.AsArray().Count);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], after.Select(a => a.Status));
    }

    /// <summary>
    /// A batch is one request: each operation is charged at most a full bucket, but together they could ask for more
    /// than a bucket holds, which no wait would ever grant. The operation that would pass it is refused at once as
    /// too expensive for one request (one log line), not RATE_LIMITED on every retry; the others run.
    /// </summary>
    [Fact]
    public async Task A_batch_operation_that_would_pass_a_full_bucket_is_refused_as_too_expensive_every_time()
    {
        // 20 permits; each operation names 250 IDs: 1 + 250/25 = 11 permits. Two of them need 22.
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null,
            ("Gateway:Security:RateLimit:BurstLimit", "20"),
            ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
            ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:01:00"),
            ("Gateway:Security:RateLimit:JobsPerPermit", "25")));
        var ids = Enumerable.Range(0, 250).Select(i => $"00000000-0000-0000-0000-{i:x8}jb00").ToArray();
        var operation = new { query = "query($ids: [ID!]!) { jobs(ids: $ids) { id } }", variables = new { ids } };

        foreach (var token in new[] { "fresh-caller-1", "fresh-caller-2" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new[] { operation, operation }) };
            request.Headers.Add("X-Auth-Token", token);
            var answer = await rig.SendAsync(request);

            Assert.True(answer.Status == HttpStatusCode.OK, $"{(int)answer.Status} {answer.Raw}");
            Assert.DoesNotContain("RATE_LIMITED", answer.Raw, StringComparison.Ordinal);
            var entries = answer.Json!.AsArray();
            Assert.DoesNotContain("BATCH_TOO_EXPENSIVE", entries[0]!.ToJsonString(), StringComparison.Ordinal);
            Assert.Equal("BATCH_TOO_EXPENSIVE", entries[1]!["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        }

        Assert.Equal(2, rig.Logs.Entries.Count(e => e.Contains("Batch operation 2 refused", StringComparison.Ordinal)));
    }

    /// <summary>
    /// One line per refusal on a WebSocket too: the limiter's (which bucket refused), not also the operation
    /// telemetry's "answered with errors" for the same refusal (twice the log volume a client could cause).
    /// </summary>
    [Fact]
    public async Task A_rate_limited_operation_on_a_socket_logs_one_line()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null,
            ("Gateway:Security:RateLimit:BurstLimit", "3"),
            ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
            ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:01:00")));
        var address = new Uri($"ws://{rig.Client.BaseAddress!.Authority}/graphql");
        await using var client = await GraphQLWsClient.ConnectAndInitAsync(address, new Dictionary<string, string> { ["X-Auth-Token"] = GatewayRig.Token });

        var refused = 0;
        for (var i = 0; i < 6; i++)
        {
            await client.SubscribeAsync($"q{i}", Query);
            var answer = await client.ReceiveAsync();
            if (answer.ToJsonString().Contains("RATE_LIMITED", StringComparison.Ordinal))
            {
                refused++;
            }
            else if ((string?)answer["type"] == "next")
            {
                Assert.Equal("complete", (string?)(await client.ReceiveAsync())["type"]);
            }
        }

        Assert.True(refused >= 2, $"{refused} refused");
        Assert.Equal(refused, rig.Logs.Count("Rate limited"));
        rig.Logs.AssertNone("answered with errors");
    }

    /// <summary>
    /// The caller is resolved from its X-Auth-Token trimmed (.NET's whitespace, which includes the vertical tab and
    /// form feed that Kestrel keeps in a header value); its bucket is keyed the same way, or padding the token would
    /// open a fresh bucket for the same caller with each spelling.
    /// </summary>
    [Fact]
    public async Task Padding_the_token_with_whitespace_does_not_open_a_fresh_bucket()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null,
            ("Gateway:Security:RateLimit:BurstLimit", "2"),
            ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
            ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:01:00")));

        var statuses = new List<int>();
        foreach (var token in new[] { "padded-caller", "padded-caller", "padded-caller\v", "padded-caller\f", "\vpadded-caller" })
        {
            statuses.Add(await RawGetStatusAsync(rig.Client.BaseAddress!, token));
        }

        Assert.Equal([200, 200, 429, 429, 429], statuses);
    }

    /// <summary>A GET sent byte for byte (HttpClient refuses control characters in a header value).</summary>
    private static async Task<int> RawGetStatusAsync(Uri gateway, string token)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(gateway.Host, gateway.Port);
        await using var stream = client.GetStream();
        var request = $"GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: {gateway.Authority}\r\nX-Auth-Token: {token}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync() ?? "";
        Assert.StartsWith("HTTP/1.1 ", statusLine, StringComparison.Ordinal);
        return int.Parse(statusLine.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task An_operation_over_the_remaining_permits_answers_429_without_calling_DRS()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null,
            ("Gateway:Security:RateLimit:BurstLimit", "10"),
            ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
            ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:01:00"),
            ("Gateway:Security:RateLimit:JobsPerPermit", "2")));
        var ids = await rig.CreateJobsAsync(10);
        await rig.ClearUpstreamLogAsync();

        // 1 + 10/2 = 6 permits of 10: fine. The second needs 6 of the 4 left: refused before any DRS call.
        var first = await rig.QueryAsync("query($ids: [ID!]!) { jobs(ids: $ids) { id status } }", variables: new { ids });
        var callsAfterFirst = await rig.UpstreamCallCountAsync();
        var second = await rig.QueryAsync("query($ids: [ID!]!) { jobs(ids: $ids) { id progress { percent } } }", variables: new { ids });

        first.AssertNoErrors();
        Assert.Equal(HttpStatusCode.TooManyRequests, second.Status);
        Assert.Equal("RATE_LIMITED", second.Codes.Single());
        Assert.NotNull(second.RetryAfter);
        Assert.True(second.Errors[0]!["extensions"]!["retryAfterSeconds"]!.GetValue<int>() >= 1);
        Assert.Equal(callsAfterFirst, await rig.UpstreamCallCountAsync());
    }

    /// <remarks>
    /// Each refusal was one Information line: one client with wrk wrote 11 000 lines a second through the limiter that is
    /// there to make abuse cheap. A few lines a second now, and the next line counts those not written, so none is lost.
    /// </remarks>
    [Fact]
    public async Task A_client_hammering_the_limiter_gets_a_few_log_lines_a_second_that_count_every_refusal()
    {
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null,
            ("Gateway:Security:RateLimit:BurstLimit", "1"),
            ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
            ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:10:00")));

        var answers = await Task.WhenAll(Enumerable.Range(0, 80).Select(_ => rig.QueryAsync(Query)));
        // A second later: this refusal's line reports what the burst left unlogged.
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        answers = [.. answers, await rig.QueryAsync(Query)];

        var refused = answers.Count(a => a.Status == HttpStatusCode.TooManyRequests);
        Assert.Equal(answers.Length - 1, refused);
        var lines = rig.Logs.Entries.Where(e => e.Contains("Rate limited", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count < refused / 2, $"{lines.Count} lines for {refused} refusals");
        var unlogged = lines.Sum(line => System.Text.RegularExpressions.Regex.Match(line, @"\((\d+) more refusals since the last such line were not logged") is { Success: true } m
            ? long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : 0);
        Assert.Equal(refused, lines.Count + unlogged);
    }

    [Fact]
    public async Task A_rate_limited_caller_is_logged_without_its_token_or_a_plain_hash_of_it()
    {
        const string Token = "guessable-token-4711";
        await using var rig = await GatewayRig.StartAsync(GatewayRig.With(
            null,
            ("Gateway:Security:RateLimit:BurstLimit", "1"),
            ("Gateway:Security:RateLimit:TokensPerPeriod", "1"),
            ("Gateway:Security:RateLimit:ReplenishmentPeriod", "00:01:00")));

        var answers = new List<GraphQLAnswer>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await rig.QueryAsync(Query, token: Token));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, answers[^1].Status);
        var refusals = rig.Logs.Entries.Where(e => e.Contains("Rate limited", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, refusals.Count);
        var logs = rig.Logs.All;
        Assert.DoesNotContain(Token, logs, StringComparison.Ordinal);
        var sha256 = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Token)));
        for (var start = 0; start + 12 <= sha256.Length; start++)
        {
            Assert.DoesNotContain(sha256.Substring(start, 12), logs, StringComparison.OrdinalIgnoreCase);
        }

        // Still one partition per token: both refusals name the same caller.
        Assert.Single(refusals.Select(e => e[e.IndexOf("caller t:", StringComparison.Ordinal)..].Split(' ')[1]).Distinct());
    }

    [Theory]
    [InlineData("Gateway:Security:RateLimit:ExemptAddresses:0", "10.0.0.300", "ExemptAddresses")]
    [InlineData("Gateway:Security:RateLimit:ExemptAddresses:0", "office", "ExemptAddresses")]
    [InlineData("Gateway:Security:ForwardedHeaders:KnownProxies:0", "10.0.0.0/8", "KnownProxies")]
    [InlineData("Gateway:Security:ForwardedHeaders:KnownNetworks:0", "10.0.0.1", "KnownNetworks")]
    [InlineData("Gateway:Security:RateLimit:JobsPerPermit", "0", "JobsPerPermit")]
    [InlineData("Gateway:Security:RateLimit:AddressBurstLimit", "-1", "AddressBurstLimit")]
    public void A_bad_rate_limit_or_proxy_setting_stops_the_gateway_at_start(string key, string value, string named)
    {
        var error = Assert.ThrowsAny<Exception>(() => GatewayRig.StartAgainstClosedPort(GatewayRig.With(null, (key, value))));

        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
    }

    private static async Task<List<GraphQLAnswer>> SendWithNewTokensAsync(GatewayRig rig, int count, Func<int, string>? forwardedFor = null, string tokenPrefix = "rotated")
    {
        var answers = new List<GraphQLAnswer>();
        for (var i = 0; i < count; i++)
        {
            answers.Add(await SendAsync(rig, $"{tokenPrefix}-token-{i}", forwardedFor?.Invoke(i)));
        }

        return answers;
    }

    private static Task<GraphQLAnswer> SendAsync(GatewayRig rig, string token, string? forwardedFor) =>
        rig.Host.QueryAsync(Query, token, headers: forwardedFor is null ? null : [new("X-Forwarded-For", forwardedFor)]);
}
