using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// A seeded corpus of a few hundred hostile requests (random bytes, mutations of valid queries and of
/// their JSON, odd content types, deep nesting, wrong variables, batches, GETs). Whatever arrives, the
/// answer is below 500 and is JSON that either carries data or names a problem.
/// </summary>
public sealed class FuzzTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    /// <summary>Change it to explore; a failure message names the seed and the case to replay.</summary>
    private const int Seed = 20261123;
    private const int CorpusSize = 400;

    private static readonly string[] ValidQueries =
    [
        "{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { id status rawStatus phase isTerminal } }",
        "{ jobs(ids: [\"9a470239-2308-4bb5-a6bc-1040402fjb21\", \"dc67695a-ee3e-49b8-a022-a099bd81jb21\"]) { id status progress { percent phases { name percent } } } }",
        "query Q($id: ID!) { job(id: $id) { detail { name source { dbType host port } target { dbType } tags { key value } } } }",
        "{ a: job(id: \"24834eb6-be30-464e-a299-f7aa730jb101\") { ...F } b: job(id: \"x\") { id } } fragment F on Job { status progress { percent } }",
        "query($ids: [ID!]!) { jobs(ids: $ids) { id errorCode errorMessage } }",
        "{ __typename __schema { queryType { name } } }",
        "query { __type(name: \"Job\") { fields { name type { name kind } } } }",
        Amplifiers.IdeIntrospectionQuery,
    ];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "application/graphql", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/graphql-response+json", ";;;", "application/json; charset=\"",
    ];

    private static readonly string[] Accepts =
    [
        "application/graphql-response+json", "application/json", "*/*", "text/html", "application/xml", "application/json;q=0, */*;q=0", ",,,",
    ];

    /// <summary>
    /// Text a JSON parser accepts or half-accepts that its readers throw on: escaped lone surrogates in every
    /// arrangement, surrogates and overlong forms as raw UTF-8 bytes, a BOM, non-JSON numbers, a huge number.
    /// </summary>
    private static readonly byte[][] BrokenPieces =
    [
        .. new[] { "\\ud800", "\\udc00", "\\udbff\\udbff", "\\udfff\\ud800", "\\ud800\\u0041", "\\ud83d", "a\\ude00", "\\uD800\\uDBFF\\uDC00" }.Select(Encoding.ASCII.GetBytes),
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xF5, 0x80, 0x80, 0x80], [0xEF, 0xBB, 0xBF], [0xFF],
        Encoding.ASCII.GetBytes("\",\"a\":NaN,\"b\":\""), Encoding.ASCII.GetBytes("\",\"n\":" + new string('7', 5000) + ",\"m\":\""),
    ];

    private const string Noise = "{}()[]:$@!\"\\ ,.#&|=…\u0000\u0001\t\n\r\u00e9\u4e2d\ud83d\ude00abcXYZ0129-_";

    [Fact]
    public async Task A_seeded_corpus_of_hostile_requests_never_gets_a_5xx_and_always_gets_a_json_answer()
    {
        var corpus = Generate(new Random(Seed)).Take(CorpusSize).ToList();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        await Parallel.ForEachAsync(Enumerable.Range(0, corpus.Count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var sample = corpus[i];
            using var request = sample.ToRequest();
            var answer = await fixture.Rig.SendAsync(request);
            if (Problem(answer) is { } problem)
            {
                failures.Add($"seed {Seed} case {i} ({sample.Kind}): {problem}; request {sample.Describe()}; answer {(int)answer.Status} {Shorten(answer.Raw)}");
            }
        });

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        fixture.Rig.Logs.AssertNone("Unhandled exception");
        fixture.Rig.Logs.AssertNone("An unhandled exception");
        fixture.Rig.Logs.AssertNone("failed outside the executer");
        (await fixture.Rig.QueryAsync(ValidQueries[0])).AssertNoErrors();
    }

    [Fact]
    public void The_corpus_is_reproducible_and_varied()
    {
        var first = Generate(new Random(Seed)).Take(CorpusSize).Select(s => s.Describe()).ToList();
        var second = Generate(new Random(Seed)).Take(CorpusSize).Select(s => s.Describe()).ToList();

        Assert.Equal(first, second);
        var kinds = Generate(new Random(Seed)).Take(CorpusSize).GroupBy(s => s.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enum.GetValues<FuzzKind>().Length, kinds.Count);
        Assert.All(kinds.Values, count => Assert.InRange(count, 20, CorpusSize));
    }

    /// <summary>Null when the answer is acceptable; otherwise what is wrong with it.</summary>
    private static string? Problem(GraphQLAnswer answer)
    {
        if ((int)answer.Status >= 500)
        {
            return "a 5xx";
        }

        // Kestrel refuses a request line over its limit (8 KB) before the gateway sees it, with a bare 414: a
        // valid query long enough (the IDE's introspection query, URL-encoded) gets one over GET. Clear enough.
        if (answer.Status == HttpStatusCode.RequestUriTooLong)
        {
            return null;
        }

        return answer.Json switch
        {
            JsonObject single => ProblemWith(single),
            JsonArray batch when answer.Status == HttpStatusCode.OK && batch.Count > 0 => batch.Select(entry => entry is JsonObject o ? ProblemWith(o) : "a batch entry that is not an object").FirstOrDefault(p => p is not null),
            _ => "not a JSON object",
        };

        static string? ProblemWith(JsonObject body)
        {
            var errors = body["errors"] as JsonArray;
            if (errors is { Count: > 0 })
            {
                return errors.All(e => e?["message"] is JsonValue m && m.GetValue<string>().Trim().Length > 0) ? null : "an error without a message";
            }

            return body.ContainsKey("data") && body["data"] is not null ? null : "neither data nor errors";
        }
    }

    private static IEnumerable<FuzzSample> Generate(Random random)
    {
        var kinds = Enum.GetValues<FuzzKind>();
        for (var i = 0; ; i++)
        {
            var kind = kinds[i % kinds.Length];
            var accept = random.Next(4) == 0 ? Accepts[random.Next(Accepts.Length)] : "application/graphql-response+json";
            var valid = ValidQueries[random.Next(ValidQueries.Length)];
            yield return kind switch
            {
                FuzzKind.RandomBytes => Post(kind, RandomBytes(random, random.Next(0, 3000)), "application/json", accept),
                FuzzKind.MutatedQuery => Post(kind, Body(Mutate(random, valid), RandomVariables(random)), "application/json", accept),
                FuzzKind.MutatedJson => Post(kind, Mutate(random, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body(valid, RandomVariables(random))))), "application/json", accept),
                FuzzKind.OddContentType => Post(kind, Body(valid, null), ContentTypes[random.Next(ContentTypes.Length)], accept),
                FuzzKind.DeepNesting => Post(kind, Nested(random), "application/json", accept),
                FuzzKind.WrongVariables => Post(kind, Body(ValidQueries[random.Next(2) == 0 ? 2 : 4], RandomVariables(random)), "application/json", accept),
                FuzzKind.Batch => Post(kind, Batch(random), "application/json", accept),
                FuzzKind.Amplifier => Post(kind, Amplifier(random), "application/json", accept),
                FuzzKind.BrokenText => BrokenText(random, valid, accept),
                _ => new FuzzSample(kind, HttpMethod.Get, null, null, accept, "/graphql?query=" + Uri.EscapeDataString(Mutate(random, valid)) + (random.Next(2) == 0 ? "&variables=" + Uri.EscapeDataString(Mutate(random, "{\"id\":\"x\"}")) : "")),
            };
        }
    }

    /// <summary>A valid request (single, with extensions, a batch, or a GET) with a broken piece of text just after one of its quotes.</summary>
    private static FuzzSample BrokenText(Random random, string query, string accept)
    {
        var piece = BrokenPieces[random.Next(BrokenPieces.Length)];
        if (random.Next(4) == 0)
        {
            // In a GET's variables or extensions, percent-encoded byte by byte.
            var parameter = random.Next(2) == 0 ? "variables" : "extensions";
            var json = string.Concat(Encoding.ASCII.GetBytes("{\"v\":[{\"w\":\"").Concat(piece).Concat(Encoding.ASCII.GetBytes("\"}]}")).Select(b => $"%{b:X2}"));
            return new FuzzSample(FuzzKind.BrokenText, HttpMethod.Get, null, null, accept, $"/graphql?query={Uri.EscapeDataString("{ __typename }")}&{parameter}={json}");
        }

        var single = new JsonObject
        {
            ["query"] = query,
            ["operationName"] = random.Next(2) == 0 ? null : "Q",
            ["variables"] = RandomVariables(random),
            ["extensions"] = random.Next(2) == 0 ? null : new JsonObject { ["persistedQuery"] = new JsonObject { ["version"] = 1, ["sha256Hash"] = "abc" } },
        }.ToJsonString();
        var body = Encoding.UTF8.GetBytes(random.Next(3) == 0 ? $"[{single},{single}]" : single).ToList();
        var quotes = Enumerable.Range(0, body.Count).Where(i => body[i] == (byte)'"').ToList();
        body.InsertRange(quotes[random.Next(quotes.Count)] + 1, piece);
        return Post(FuzzKind.BrokenText, [.. body], "application/json", accept);
    }

    private static FuzzSample Post(FuzzKind kind, byte[] body, string contentType, string accept) => new(kind, HttpMethod.Post, body, contentType, accept, "/graphql");

    private static byte[] Body(string query, JsonNode? variables) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["query"] = query, ["variables"] = variables }.ToJsonString());

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Mutate(Random random, string text)
    {
        var chars = new StringBuilder(text);
        for (var n = random.Next(1, 6); n > 0; n--)
        {
            var at = random.Next(chars.Length + 1);
            switch (random.Next(5))
            {
                case 0 when chars.Length > 0:
                    chars.Remove(Math.Min(at, chars.Length - 1), Math.Min(random.Next(1, 10), chars.Length - Math.Min(at, chars.Length - 1)));
                    break;
                case 1:
                    chars.Insert(at, Noise[random.Next(Noise.Length)]);
                    break;
                case 2 when chars.Length > 0:
                    var start = random.Next(chars.Length);
                    var piece = chars.ToString(start, Math.Min(random.Next(1, 40), chars.Length - start));
                    chars.Insert(at, string.Concat(Enumerable.Repeat(piece, random.Next(1, 50))));
                    break;
                case 3:
                    chars.Insert(at, new string(Noise[random.Next(6)], random.Next(1, 300)));
                    break;
                default:
                    chars.Length = Math.Min(at, chars.Length);
                    break;
            }
        }

        return chars.ToString();
    }

    private static byte[] Mutate(Random random, byte[] bytes)
    {
        var list = new List<byte>(bytes);
        for (var n = random.Next(1, 6); n > 0; n--)
        {
            var at = random.Next(list.Count + 1);
            switch (random.Next(3))
            {
                case 0 when list.Count > 0:
                    list[Math.Min(at, list.Count - 1)] = (byte)random.Next(256);
                    break;
                case 1:
                    list.Insert(at, (byte)random.Next(256));
                    break;
                default:
                    list.RemoveRange(Math.Min(at, list.Count), Math.Min(random.Next(1, 8), list.Count - Math.Min(at, list.Count)));
                    break;
            }
        }

        return [.. list];
    }

    private static JsonObject? RandomVariables(Random random) => random.Next(8) switch
    {
        0 => null,
        1 => new JsonObject { ["id"] = random.Next() },
        2 => new JsonObject { ["id"] = new JsonArray("a", 1, null) },
        3 => new JsonObject { ["ids"] = "9a470239-2308-4bb5-a6bc-1040402fjb21" },
        4 => new JsonObject { ["ids"] = new JsonArray([.. Enumerable.Range(0, random.Next(0, 700)).Select(i => (JsonNode?)$"00000000-0000-0000-0000-{i:x8}jb00")]) },
        5 => new JsonObject { ["ids"] = new JsonArray(new JsonObject { ["x"] = 1 }, true, 3.5) },
        6 => new JsonObject { ["id"] = new string('z', random.Next(0, 5000)) },
        _ => new JsonObject { ["id"] = "9a470239-2308-4bb5-a6bc-1040402fjb21", ["ids"] = new JsonArray("dc67695a-ee3e-49b8-a022-a099bd81jb21") },
    };

    private static byte[] Nested(Random random)
    {
        var depth = random.Next(1, 4000);
        return random.Next(3) switch
        {
            0 => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth)),
            1 => Body(string.Concat(Enumerable.Repeat("{ job(id: \"x\") ", depth)) + new string('}', depth), null),
            _ => Body("{ __typename }", JsonNode.Parse("{\"v\":" + new string('[', Math.Min(depth, 60)) + new string(']', Math.Min(depth, 60)) + "}")),
        };
    }

    private static byte[] Batch(Random random)
    {
        var entries = new JsonArray();
        for (var n = random.Next(0, 14); n > 0; n--)
        {
            entries.Add(random.Next(4) == 0 ? JsonValue.Create(random.Next()) : new JsonObject { ["query"] = Mutate(random, ValidQueries[random.Next(ValidQueries.Length)]) });
        }

        return Encoding.UTF8.GetBytes(entries.ToJsonString());
    }

    /// <summary>A small request that asks for a huge answer or huge validation work, at a random size (issue 12).</summary>
    private static byte[] Amplifier(Random random)
    {
        string One() => random.Next(12) switch
        {
            9 => Amplifiers.RepeatedInputFields(random.Next(1, 100_000)),
            10 => Amplifiers.ListLiteral(random.Next(0, 300_000)),
            11 => Amplifiers.UnusedFragments(random.Next(1, 5000)),
            0 => Amplifiers.IntrospectionBomb(random.Next(2, 10)),
            1 => Amplifiers.IntrospectionWidthBomb(random.Next(1, 40)),
            2 => Amplifiers.DeepOfType(random.Next(1, 40)),
            3 => Amplifiers.Directives(random.Next(0, 45_000)),
            4 => Amplifiers.UnusedVariables(random.Next(1, 45_000)),
            5 => Amplifiers.UnknownArguments(random.Next(0, 45_000)),
            6 => Amplifiers.FragmentSpreads(random.Next(1, 45_000)),
            7 => random.Next(2) == 0 ? Amplifiers.FieldsInsideFields : Amplifiers.InterfacesInsideInterfaces,
            _ => Amplifiers.IdeIntrospectionQuery,
        };

        if (random.Next(4) > 0)
        {
            return Body(One(), null);
        }

        // A batch of small amplifiers: together they share one result budget.
        var entries = new JsonArray();
        for (var n = random.Next(1, 11); n > 0; n--)
        {
            var query = One();
            entries.Add(new JsonObject { ["query"] = query.Length < 20_000 ? query : Amplifiers.IntrospectionBomb() });
        }

        return Encoding.UTF8.GetBytes(entries.ToJsonString());
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private enum FuzzKind
    {
        RandomBytes,
        MutatedQuery,
        MutatedJson,
        OddContentType,
        DeepNesting,
        WrongVariables,
        Batch,
        Get,
        Amplifier,
        BrokenText,
    }

    private sealed record FuzzSample(FuzzKind Kind, HttpMethod Method, byte[]? Body, string? ContentType, string Accept, string Path)
    {
        public HttpRequestMessage ToRequest()
        {
            var request = new HttpRequestMessage(Method, Path);
            request.Headers.TryAddWithoutValidation("Accept", Accept);
            request.Headers.Add("X-Auth-Token", GatewayRig.Token);
            if (Body is not null)
            {
                request.Content = new ByteArrayContent(Body);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }

            return request;
        }

        public string Describe() =>
            $"{Method} {(Path.Length > 120 ? Path[..120] + "…" : Path)} [{ContentType}] accept [{Accept}] body {Body?.Length ?? 0} bytes {(Body is null ? "" : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Body))[..12])}";
    }
}
