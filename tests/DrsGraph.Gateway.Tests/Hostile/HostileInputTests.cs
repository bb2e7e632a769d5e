using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DrsGraph.Gateway.Tests.Faults;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>Each hostile request gets a 4xx or a GraphQL error whose message names the problem; never a 5xx.</summary>
public sealed class HostileInputTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    private const string JobId = "9a470239-2308-4bb5-a6bc-1040402fjb21";

    public static TheoryData<string, string?, byte[], int, string> Cases()
    {
        static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
        static byte[] Query(string query) => Utf8(System.Text.Json.JsonSerializer.Serialize(new { query }));
        const string Json = "application/json";
        return new TheoryData<string, string?, byte[], int, string>
        {
            { "malformed JSON", Json, Utf8("{\"query\": \"{ job"), 400, "not valid JSON" },
            { "JSON nested 10 000 deep", Json, Utf8("{\"query\":\"{__typename}\",\"variables\":{\"a\":" + new string('[', 10_000) + new string(']', 10_000) + "}}"), 400, "nests deeper than 64 levels" },
            { "no content type", null, Query("{ __typename }"), 415, "Content-Type" },
            { "text/plain", "text/plain", Query("{ __typename }"), 415, "Content-Type 'text/plain'" },
            { "a form", "application/x-www-form-urlencoded", Utf8("query=%7B__typename%7D"), 415, "application/x-www-form-urlencoded" },
            { "a Latin-1 charset", "application/json; charset=iso-8859-1", Query("{ __typename }"), 415, "Charset" },
            { "invalid UTF-8", Json, [.. Utf8("{\"query\":\"{ job(id: \\\""), 0xC3, 0x28, 0xFF, 0xFE, .. Utf8("\\\") { id } }\"}")], 400, "not valid UTF-8" },
            { "an empty body", Json, [], 400, "empty" },
            { "a JSON string", Json, Utf8("\"{ __typename }\""), 400, "JSON object" },
            { "a numeric query", Json, Utf8("{\"query\": 42}"), 400, "'query' parameter must be a string" },
            { "no query", Json, Utf8("{\"variables\": {}}"), 400, "'query' parameter is required" },
            { "variables as a string", Json, Utf8("{\"query\":\"{__typename}\",\"variables\":\"{}\"}"), 400, "'variables' parameter must be a JSON object" },
            { "an empty batch", Json, Utf8("[]"), 400, "between 1 and 10" },
            { "a batch of eleven", Json, Utf8("[" + string.Join(",", Enumerable.Repeat("{\"query\":\"{__typename}\"}", 11)) + "]"), 400, "this one has 11" },
            { "a syntax error", Json, Query("{ job(id: ) { id }"), 400, "SYNTAX_ERROR" },
            { "selections nested 5000 deep", Json, Query(string.Concat(Enumerable.Repeat("{ a ", 5000)) + new string('}', 5000)), 400, "depth" },
            { "a self-referencing fragment", Json, Query($"{{ job(id: \"{JobId}\") {{ ...A }} }} fragment A on Job {{ id ...A }}"), 400, "Cannot spread fragment 'A' within itself" },
            { "mutually recursive fragments", Json, Query($"{{ job(id: \"{JobId}\") {{ ...A }} }} fragment A on Job {{ id ...B }} fragment B on Job {{ status ...A }}"), 400, "NO_FRAGMENT_CYCLES" },
            { "a field that does not exist", Json, Query("{ jobz { id } }"), 400, "Cannot query field 'jobz'" },
            { "a wrong argument type", Json, Query("{ job(id: [1, 2]) { id } }"), 400, "ARGUMENTS_OF_CORRECT_TYPE" },
            { "a variable of the wrong declared type", Json, Utf8("{\"query\":\"query($id: Int) { job(id: $id) { id } }\",\"variables\":{\"id\":1}}"), 400, "Variable '$id' of type 'Int' used in position expecting type 'ID!'" },
            { "a variable value of the wrong type", Json, Utf8("{\"query\":\"query($ids: [ID!]!) { jobs(ids: $ids) { id } }\",\"variables\":{\"ids\":{\"a\":1}}}"), 400, "Variable '$ids' is invalid" },
            { "a missing required variable", Json, Query("query($id: ID!) { job(id: $id) { id } }"), 400, "Variable '$id' is invalid. No value provided for a non-null variable" },
            { "an unknown operation name", Json, Utf8("{\"query\":\"query A { __typename }\",\"operationName\":\"B\"}"), 400, "does not contain an operation named 'B'" },
            { "a flood of 6000 aliases", Json, Query("{ " + string.Join(" ", Enumerable.Range(0, 6000).Select(i => $"a{i}: __typename")) + " }"), 400, "TOO_MANY_FIELDS" },
            { "the same field 100 000 times", Json, Query($"{{ job(id: \"{JobId}\") {{ {string.Concat(Enumerable.Repeat("id ", 100_000))} }} }}"), 400, "TOO_MANY_FIELDS" },
            { "1001 job aliases", Json, Query("{ " + string.Join(" ", Enumerable.Range(0, 1001).Select(i => $"a{i}: job(id: \"{JobId}\") {{ id }}")) + " }"), 400, "TOO_MANY_JOB_REFERENCES" },
            { "501 distinct IDs", Json, Query($"{{ jobs(ids: [{string.Join(",", Enumerable.Range(0, 501).Select(i => $"\"00000000-0000-0000-0000-{i:x8}jb00\""))}]) {{ id }} }}"), 400, "TOO_MANY_DISTINCT_JOB_IDS" },
            { "500 jobs times 300 aliased details", Json, Query($"{{ jobs(ids: [{string.Join(",", Enumerable.Range(0, 500).Select(i => $"\"00000000-0000-0000-0000-{i:x8}jb00\""))}]) {{ {string.Join(" ", Enumerable.Range(0, 300).Select(i => $"d{i}: detail {{ name }}"))} }} }}"), 400, "RESULT_TOO_LARGE" },
            { "a fragment bomb", Json, Query(FragmentBomb(40)), 400, "RESULT_TOO_LARGE" },
            { "an introspection bomb of nested fragments (42 MB before)", Json, Query(Amplifiers.IntrospectionBomb()), 400, "INTROSPECTION_TOO_DEEP" },
            { "fields inside fields in introspection", Json, Query(Amplifiers.FieldsInsideFields), 400, "INTROSPECTION_TOO_DEEP" },
            { "interfaces inside interfaces in introspection", Json, Query(Amplifiers.InterfacesInsideInterfaces), 400, "__Type.interfaces inside __Type.interfaces" },
            { "ofType 17 deep through fragments", Json, Query(Amplifiers.DeepOfType(17)), 400, "INTROSPECTION_TOO_DEEP" },
            { "an introspection width bomb", Json, Query(Amplifiers.IntrospectionWidthBomb()), 400, "RESULT_TOO_LARGE" },
            { "40 000 @include directives", Json, Query(Amplifiers.Directives(40_000)), 400, "TOO_MANY_DIRECTIVES" },
            { "40 000 unused variables", Json, Query(Amplifiers.UnusedVariables(40_000)), 400, "TOO_MANY_VARIABLES" },
            { "40 000 unknown arguments", Json, Query(Amplifiers.UnknownArguments(40_000)), 400, "TOO_MANY_ARGUMENTS" },
            { "40 000 fragment spreads", Json, Query(Amplifiers.FragmentSpreads(40_000)), 400, "TOO_MANY_FRAGMENTS" },
            { "4900 unused fragment definitions", Json, Query(Amplifiers.UnusedFragments(4900)), 400, "TOO_MANY_FRAGMENTS" },
            { "an input object repeating one field 100 000 times", Json, Query(Amplifiers.RepeatedInputFields(100_000)), 400, "TOO_MANY_INPUT_VALUES" },
            { "a list literal of 300 000 items", Json, Query(Amplifiers.ListLiteral(300_000)), 400, "TOO_MANY_INPUT_VALUES" },
            { "a lone surrogate in the query", Json, Utf8("{\"query\":\"{ __typename \\ud800 }\"}"), 400, "lone UTF-16 surrogate" },
            { "a lone surrogate in the operation name", Json, Utf8("{\"query\":\"query A { __typename }\",\"operationName\":\"\\udc00\"}"), 400, "lone UTF-16 surrogate" },
            { "a lone surrogate as a variable name", Json, Utf8("{\"query\":\"{ __typename }\",\"variables\":{\"\\ud800\":1}}"), 400, "lone UTF-16 surrogate" },
            { "a lone surrogate deep in a variable value", Json, Utf8("{\"query\":\"{ __typename }\",\"variables\":{\"a\":[{\"b\":[\"x\\ud800\\u0041\"]}]}}"), 400, "lone UTF-16 surrogate" },
            { "a lone surrogate in extensions", Json, Utf8("{\"query\":\"{ __typename }\",\"extensions\":{\"a\":\"\\udbff\\udbff\"}}"), 400, "lone UTF-16 surrogate" },
            { "a lone surrogate in a batch entry", Json, Utf8("[{\"query\":\"{ __typename }\"},{\"query\":\"\\ud800\"}]"), 400, "lone UTF-16 surrogate" },
            { "a surrogate as UTF-8 bytes", Json, [.. Utf8("{\"query\":\"{ __typename }\",\"variables\":{\"a\":\""), 0xED, 0xA0, 0x80, .. Utf8("\"}}")], 400, "not valid UTF-8" },
            { "a repeated variable name", Json, Utf8("{\"query\":\"{ __typename }\",\"variables\":{\"a\":1,\"a\":1}}"), 400, "INVALID_JSON" },
            { "a 900 000-digit variable", Json, Utf8("{\"query\":\"query($id: ID!) { job(id: $id) { id } }\",\"variables\":{\"id\":" + new string('9', 900_000) + "}}"), 400, "longer than 100 characters" },
            { "a 500 000-digit integer in the query text", Json, Query("{ job(id: " + new string('9', 500_000) + ") { id } }"), 400, "NUMBER_TOO_LONG" },
            { "a 200 000-digit float in an introspection argument", Json, Query("{ __type(name: \"Job\") { fields(includeDeprecated: 1." + new string('5', 200_000) + ") { name } } }"), 400, "NUMBER_TOO_LONG" },
            { "a mutation", Json, Query("mutation { cancelJob(id: \"x\") { id } }"), 400, "OPERATION_TYPE_NOT_SUPPORTED" },
            { "a subscription over plain POST", Json, Query("subscription { jobs { status } }"), 400, "Subscriptions need a streaming transport" },
            { "selections 20 deep", Json, Query("{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } } } } } }"), 400, "depth" },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_hostile_request_is_refused_with_a_message_naming_the_problem(string what, string? contentType, byte[] body, int status, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);

        var answer = await fixture.Rig.SendAsync(request);

        Assert.True((int)answer.Status == status, $"{what}: expected {status}, got {(int)answer.Status}: {Shorten(answer.Raw)}");
        Assert.True(answer.Errors.Count > 0 && answer.Errors.All(e => e!["message"]!.GetValue<string>().Length > 0), $"{what}: {Shorten(answer.Raw)}");
        var said = string.Join("\n", answer.Errors.Select(e => $"{e!["message"]} {e["extensions"]?["code"]}"));
        Assert.True(said.Contains(expected, StringComparison.OrdinalIgnoreCase), $"{what}: expected '{expected}' in {Shorten(said)}");
        // Refused before any real work: cheap, however big the request.
        Assert.True(answer.Elapsed < TimeSpan.FromSeconds(5), $"{what} took {answer.Elapsed}");
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_with_a_json_error()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new ByteArrayContent(new byte[2 * 1024 * 1024]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var answer = await fixture.Rig.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Contains("1048576-byte limit", answer.Errors.Single()!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_or_garbled_token_is_unauthenticated_without_echoing_it()
    {
        var huge = new string('k', 20_000);
        var answer = await fixture.Rig.QueryAsync($"{{ job(id: \"{JobId}\") {{ id status }} }}", token: huge);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("UNAUTHENTICATED", Assert.Single(answer.Codes));
        Assert.DoesNotContain("kkkkkkkk", answer.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Job_ids_of_a_field_left_out_by_skip_or_include_do_not_count()
    {
        const string Skip = "query($s: Boolean!, $x: [ID!]!, $y: [ID!]!) { a: jobs(ids: $x) @skip(if: $s) { id } b: jobs(ids: $y) { id } }";
        const string Include = "query($s: Boolean!, $x: [ID!]!, $y: [ID!]!) { ... @include(if: $s) { a: jobs(ids: $x) { id } } b: jobs(ids: $y) { id } }";
        var x = Enumerable.Range(0, 290).Select(i => $"00000000-0000-0000-0000-{i:x8}jb01").ToArray();
        var y = Enumerable.Range(0, 300).Select(i => $"00000000-0000-0000-0000-{i:x8}jb02").ToArray();

        var skipped = await fixture.Rig.QueryAsync(Skip, variables: new { s = true, x, y });
        var notIncluded = await fixture.Rig.QueryAsync(Include, variables: new { s = false, x, y });
        var notSkipped = await fixture.Rig.QueryAsync(Skip, variables: new { s = false, x, y });
        var included = await fixture.Rig.QueryAsync(Include, variables: new { s = true, x, y });

        // 300 distinct IDs are fetched when a is left out, 590 when it runs (at most 500 allowed).
        Assert.Equal(HttpStatusCode.OK, skipped.Status);
        Assert.DoesNotContain("TOO_MANY_DISTINCT_JOB_IDS", skipped.Codes);
        Assert.Equal(300, skipped.Data!["b"]!.AsArray().Count);
        Assert.DoesNotContain("TOO_MANY_DISTINCT_JOB_IDS", notIncluded.Codes);
        Assert.Equal("TOO_MANY_DISTINCT_JOB_IDS", Assert.Single(notSkipped.Codes));
        Assert.Equal("TOO_MANY_DISTINCT_JOB_IDS", Assert.Single(included.Codes));
    }

    [Fact]
    public async Task A_cached_document_still_gets_every_check_that_depends_on_the_request()
    {
        // Each document is validated once, cached (ValidatedDocumentCache), then sent with hostile variables.
        const string Ids = "query($ids: [ID!]!) { jobs(ids: $ids) { id } }";
        var details = "query($ids: [ID!]!) { jobs(ids: $ids) { " + string.Join(" ", Enumerable.Range(0, 300).Select(i => $"d{i}: detail {{ name }}")) + " } }";
        var many = Enumerable.Range(0, 501).Select(i => $"00000000-0000-0000-0000-{i:x8}jb00").ToArray();
        (await fixture.Rig.QueryAsync(Ids, variables: new { ids = new[] { JobId } })).AssertNoErrors();
        (await fixture.Rig.QueryAsync(details, variables: new { ids = new[] { JobId } })).AssertNoErrors();

        var tooManyIds = await fixture.Rig.QueryAsync(Ids, variables: new { ids = many });
        var wrongType = await fixture.Rig.QueryAsync(Ids, variables: new { ids = new { a = 1 } });
        var missing = await fixture.Rig.QueryAsync(Ids);
        var tooLarge = await fixture.Rig.QueryAsync(details, variables: new { ids = many[..500] });
        var fine = await fixture.Rig.QueryAsync(Ids, variables: new { ids = new[] { JobId, JobId } });

        Assert.Equal("TOO_MANY_DISTINCT_JOB_IDS", Assert.Single(tooManyIds.Codes));
        Assert.Contains("Variable '$ids' is invalid", wrongType.Errors.Single()!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("No value provided for a non-null variable", missing.Errors.Single()!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("RESULT_TOO_LARGE", Assert.Single(tooLarge.Codes));
        fine.AssertNoErrors();
        Assert.Equal(2, fine.Data!["jobs"]!.AsArray().Count);
    }

    [Fact]
    public async Task The_gateway_still_answers_normally_after_the_hostile_requests()
    {
        var answer = await fixture.Rig.QueryAsync($"{{ job(id: \"{JobId}\") {{ status }} }}");

        answer.AssertNoErrors();
        fixture.Rig.Logs.AssertNone("Unhandled exception");
    }

    /// <summary>F0 has one field; each Fn spreads F(n-1) twice: 2^n fields from a few hundred bytes.</summary>
    private static string FragmentBomb(int levels)
    {
        var text = new StringBuilder($"{{ job(id: \"{JobId}\") {{ ...F{levels} }} }} fragment F0 on Job {{ id }}");
        for (var i = 1; i <= levels; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $" fragment F{i} on Job {{ ...F{i - 1} ...F{i - 1} }}");
        }

        return text.ToString();
    }

    private static string Shorten(string text) => text.Length <= 600 ? text : text[..600] + "…";
}
