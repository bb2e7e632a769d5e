using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace DrsGraph.Soak;

public sealed record SoakSettings(Uri Gateway, Uri Emulator, TimeSpan Duration, int Concurrency, int Seed);

/// <summary>
/// Mixed load against the gateway while the emulator's faults are switched on and off in phases:
/// valid queries of every shape, batches, introspection, unknown and malformed IDs, hostile bodies.
/// </summary>
public sealed class SoakRun(SoakSettings settings)
{
    private const string Project = "054ba152d480d55b2f5dc0069e7ddef0";

    /// <summary>Fault phases, each held for a slice of the run; the run starts and ends healthy.</summary>
    private static readonly (string Name, object? Faults)[] Phases =
    [
        ("healthy", null),
        ("5xx 30%", new { failureRate = 0.3, failureStatus = 503, failureCode = "DRS.M00004" }),
        ("latency 300-500 ms", new { latencyMs = 300, jitterMs = 200 }),
        ("throttle 20%, Retry-After 1 s", new { throttleRate = 0.2, retryAfterSeconds = 1 }),
        ("hang 5%", new { hangRate = 0.05 }),
        ("5xx 100% (circuit opens)", new { failureRate = 1.0, failureStatus = 500 }),
        ("healthy", null),
        ("mixed", new { failureRate = 0.1, throttleRate = 0.1, hangRate = 0.02, latencyMs = 50, jitterMs = 100, retryAfterSeconds = 1 }),
        ("healthy", null),
    ];

    private readonly Tally _tally = new();

    public async Task<Tally> RunAsync(CancellationToken cancellationToken)
    {
        using var control = new HttpClient { BaseAddress = settings.Emulator, Timeout = TimeSpan.FromSeconds(10) };
        var jobs = await control.GetFromJsonAsync<JsonObject>($"/_emulator/jobs?projectId={Project}", cancellationToken);
        var ids = jobs!["jobs"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()).ToArray();

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency * 2 };
        // Longer than the gateway's 10 s budget: a "timeout" here means the gateway left a request hanging.
        using var client = new HttpClient(handler) { BaseAddress = settings.Gateway, Timeout = TimeSpan.FromSeconds(20) };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(settings.Duration);

        var faults = SwitchFaultsAsync(control, stop.Token);
        var workers = Enumerable.Range(0, settings.Concurrency)
            .Select(i => WorkAsync(client, ids, new Random(settings.Seed * 1000 + i), stop.Token))
            .ToArray();
        await Task.WhenAll(workers);
        await faults;
        await control.DeleteAsync("/_emulator/faults", CancellationToken.None);
        return _tally;
    }

    private async Task SwitchFaultsAsync(HttpClient control, CancellationToken stop)
    {
        var slice = settings.Duration / Phases.Length;
        foreach (var (name, faults) in Phases)
        {
            using var response = faults is null
                ? await control.DeleteAsync("/_emulator/faults", CancellationToken.None)
                : await control.PutAsJsonAsync("/_emulator/faults", faults, CancellationToken.None);
            Console.WriteLine($"[{DateTimeOffset.UtcNow:HH:mm:ss}] faults: {name} ({(int)response.StatusCode})");
            try
            {
                await Task.Delay(slice, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WorkAsync(HttpClient client, string[] ids, Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var (kind, request) = Next(random, ids);
            using (request)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.SendAsync(request, CancellationToken.None);
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    _tally.Record(kind, response.StatusCode, body, Stopwatch.GetElapsedTime(started));
                }
                catch (TaskCanceledException)
                {
                    _tally.RecordTimeout(kind, Stopwatch.GetElapsedTime(started));
                }
                catch (HttpRequestException ex)
                {
                    _tally.RecordTransportError(kind, ex);
                }
            }
        }
    }

    private static (string Kind, HttpRequestMessage Request) Next(Random random, string[] ids)
    {
        string Pick() => ids[random.Next(ids.Length)];
        string IdList(int n) => string.Join(", ", Enumerable.Range(0, n).Select(_ => $"\"{Pick()}\""));
        var roll = random.Next(100);
        return roll switch
        {
            < 40 => ("jobs", Query($"{{ jobs(ids: [{IdList(random.Next(1, 60))}]) {{ id status phase {(random.Next(2) == 0 ? "progress { percent incrementalDelaySeconds phases { name percent } }" : "")} {(random.Next(2) == 0 ? "detail { name taskType source { dbType host } target { dbType } tags { key value } }" : "")} }} }}", random)),
            < 55 => ("job", Query($"{{ job(id: \"{Pick()}\") {{ status isTerminal progress {{ percent }} }} }}", random)),
            < 63 => ("batch", Raw("[" + string.Join(",", Enumerable.Range(0, random.Next(2, 5)).Select(_ => $"{{\"query\":\"{{ job(id: \\\"{Pick()}\\\") {{ status }} }}\"}}")) + "]", "application/json", random)),
            < 68 => ("introspection", Query("{ __schema { types { name fields { name } } } }", random)),
            < 75 => ("unknown and malformed ids", Query($"{{ jobs(ids: [\"{Pick()}\", \"00000000-0000-0000-0000-00000000jb00\", \"not-an-id\"]) {{ id status }} }}", random)),
            < 79 => ("malformed json", Raw("{\"query\": \"{ job", "application/json", random)),
            < 82 => ("wrong content type", Raw("query={__typename}", "application/x-www-form-urlencoded", random)),
            < 85 => ("alias flood", Query("{ " + string.Join(" ", Enumerable.Range(0, 1200).Select(i => $"a{i}: job(id: \"{Pick()}\") {{ id }}")) + " }", random)),
            < 88 => ("deep nesting", Query(string.Concat(Enumerable.Repeat("{ a ", 3000)) + new string('}', 3000), random)),
            < 91 => ("fragment cycle", Query($"{{ job(id: \"{Pick()}\") {{ ...A }} }} fragment A on Job {{ id ...A }}", random)),
            < 94 => ("random bytes", RandomBytes(random)),
            < 97 => ("no token", Query($"{{ job(id: \"{Pick()}\") {{ status }} }}", random, token: "")),
            _ => ("get", new HttpRequestMessage(HttpMethod.Get, "/graphql?query=" + Uri.EscapeDataString($"{{ job(id: \"{Pick()}\") {{ status }} }}"))),
        };
    }

    private static HttpRequestMessage Query(string query, Random random, string? token = null) =>
        Raw(new JsonObject { ["query"] = query }.ToJsonString(), "application/json", random, token);

    private static HttpRequestMessage Raw(string body, string contentType, Random random, string? token = null) =>
        WithHeaders(new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(body, Encoding.UTF8, contentType) }, random, token);

    private static HttpRequestMessage RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 4096)];
        random.NextBytes(bytes);
        var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        return WithHeaders(request, random, null);
    }

    private static HttpRequestMessage WithHeaders(HttpRequestMessage request, Random random, string? token)
    {
        // Twenty callers, each with its own token (and so its own rate-limit bucket).
        token ??= $"soak-token-{random.Next(20):00}";
        if (token.Length > 0)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        request.Headers.Accept.ParseAdd(random.Next(2) == 0 ? "application/graphql-response+json" : "application/json");
        return request;
    }
}

/// <summary>Answers by kind, thread-safe.</summary>
public sealed class Tally
{
    private readonly ConcurrentDictionary<string, int> _byOutcome = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _byKind = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _errorCodes = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<double> _latenciesMs = [];
    private readonly ConcurrentBag<string> _samples5xx = [];
    private int _requests;

    public void Record(string kind, HttpStatusCode status, string body, TimeSpan elapsed)
    {
        Count(kind);
        _latenciesMs.Add(elapsed.TotalMilliseconds);
        var code = (int)status;
        string outcome;
        if (code >= 500)
        {
            outcome = "5xx";
            if (_samples5xx.Count < 5)
            {
                _samples5xx.Add($"{kind}: {code} {(body.Length > 300 ? body[..300] : body)}");
            }
        }
        else if (code >= 400)
        {
            outcome = code == 429 ? "4xx (429 rate limited)" : "4xx";
        }
        else
        {
            var errors = CodesOf(body);
            outcome = errors.Count == 0 ? "200 data" : "200 with errors";
            foreach (var error in errors)
            {
                _errorCodes.AddOrUpdate(error, 1, (_, n) => n + 1);
            }
        }

        _byOutcome.AddOrUpdate(outcome, 1, (_, n) => n + 1);
    }

    public void RecordTimeout(string kind, TimeSpan elapsed)
    {
        Count(kind);
        _latenciesMs.Add(elapsed.TotalMilliseconds);
        _byOutcome.AddOrUpdate("timeouts (no answer in 20 s)", 1, (_, n) => n + 1);
    }

    public void RecordTransportError(string kind, HttpRequestException exception)
    {
        Count(kind);
        _byOutcome.AddOrUpdate($"transport errors ({exception.HttpRequestError})", 1, (_, n) => n + 1);
    }

    public void Print(TextWriter output)
    {
        var latencies = _latenciesMs.Order().ToArray();
        double Percentile(double p) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests: {_requests}"));
        foreach (var outcome in new[] { "200 data", "200 with errors", "4xx", "4xx (429 rate limited)", "5xx", "timeouts (no answer in 20 s)" })
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {outcome}: {_byOutcome.GetValueOrDefault(outcome)}"));
        }

        foreach (var (outcome, count) in _byOutcome.Where(p => p.Key.StartsWith("transport", StringComparison.Ordinal)))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {outcome}: {count}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"5xx: {_byOutcome.GetValueOrDefault("5xx")}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"latency ms: p50 {Percentile(0.5):0} p99 {Percentile(0.99):0} max {(latencies.Length == 0 ? 0 : latencies[^1]):0}"));
        output.WriteLine("request kinds: " + string.Join(", ", _byKind.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}")));
        output.WriteLine("error codes in 200s: " + string.Join(", ", _errorCodes.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}")));
        foreach (var sample in _samples5xx)
        {
            output.WriteLine("  5xx sample: " + sample);
        }
    }

    private void Count(string kind)
    {
        Interlocked.Increment(ref _requests);
        _byKind.AddOrUpdate(kind, 1, (_, n) => n + 1);
    }

    private static List<string> CodesOf(string body)
    {
        var codes = new List<string>();
        try
        {
            var json = JsonNode.Parse(body);
            var results = json is JsonArray batch ? batch.ToList() : [json];
            foreach (var result in results)
            {
                foreach (var error in result?["errors"]?.AsArray() ?? [])
                {
                    codes.Add(error?["extensions"]?["code"]?.GetValue<string>() ?? "(no code)");
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            codes.Add("(unparsable body)");
        }

        return codes;
    }
}
