using System.Net;
using System.Net.Http.Json;
using DrsGraph.Gateway.Limits;
using DrsGraph.Gateway.Tests.Faults;
using DrsGraph.Gateway.Tests.Infrastructure;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Gateway.Tests.Hostile;

/// <summary>
/// Answers are bounded before they are built (issue 12, item 1): introspection's lists have their real sizes in
/// the estimate, its recursive fields are bounded as HotChocolate bounds them, and a batch shares one budget.
/// The IDE's own introspection query still gets the whole schema.
/// </summary>
public sealed class ResultSizeTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    [Fact]
    public async Task The_IDE_introspection_query_gets_the_whole_schema()
    {
        var answer = await fixture.Rig.QueryAsync(Amplifiers.IdeIntrospectionQuery);

        answer.AssertNoErrors();
        var types = answer.Data!["__schema"]!["types"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("Query", types);
        Assert.Contains("Job", types);
        Assert.Contains("__Type", types);
        var job = answer.Data!["__schema"]!["types"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "Query");
        Assert.Contains(job!["fields"]!.AsArray(), f => f!["name"]!.GetValue<string>() == "jobs");
        var skip = answer.Data!["__schema"]!["directives"]!.AsArray().Single(d => d!["name"]!.GetValue<string>() == "skip");
        Assert.False(skip!["isRepeatable"]!.GetValue<bool>());
    }

    [Fact]
    public void List_fields_carry_their_sizes_as_metadata_computed_from_the_built_schema()
    {
        var schema = fixture.Rig.Services.GetRequiredService<ISchema>();
        int SizeOf(string type, string field) => ((IComplexGraphType)schema.AllTypes[type]!).GetField(field)!.GetMetadata<int>(ListSizes.MaxItemsKey);
        var outputTypes = schema.AllTypes.OfType<IComplexGraphType>().Where(t => t is not IInputObjectGraphType).ToList();

        Assert.Equal(schema.AllTypes.Count, SizeOf("__Schema", "types"));
        Assert.Equal(outputTypes.Max(t => t.Fields.Count), SizeOf("__Type", "fields"));
        // The arguments of one type's fields together, spread over the most fields of a type: fields x args bounds every type's arguments.
        var argsPerType = outputTypes.Max(t => t.Fields.Sum(f => f.Arguments?.Count ?? 0));
        Assert.Equal((int)Math.Ceiling((double)argsPerType / SizeOf("__Type", "fields")), SizeOf("__Field", "args"));
        Assert.True(SizeOf("__Type", "fields") * SizeOf("__Field", "args") >= argsPerType);
        Assert.Equal(schema.AllTypes.OfType<EnumerationGraphType>().Max(t => t.Values.Count), SizeOf("__Type", "enumValues"));
        Assert.Equal("ids", schema.Query.GetField("jobs")!.GetMetadata<string>(ListSizes.ArgumentKey));
    }

    [Fact]
    public async Task Introspection_at_the_limits_still_answers()
    {
        // 12 deep, through fragments: within Gateway:Limits:MaxDepth (15), which binds before the ofType limit (16).
        var ofType12 = await fixture.Rig.QueryAsync(Amplifiers.DeepOfType(12));
        var eachListOnce = await fixture.Rig.QueryAsync("{ __schema { types { fields { type { name } } inputFields { name } interfaces { name } possibleTypes { name } } } }");

        ofType12.AssertNoErrors();
        eachListOnce.AssertNoErrors();
    }

    [Fact]
    public async Task A_batch_of_ten_introspection_bombs_is_refused_entry_by_entry_and_the_gateway_stays_healthy()
    {
        var answer = await SendBatchAsync(Enumerable.Repeat(Amplifiers.IntrospectionBomb(), 10));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var entries = answer.Json!.AsArray();
        Assert.Equal(10, entries.Count);
        Assert.All(entries, e => Assert.Equal("INTROSPECTION_TOO_DEEP", e!["errors"]![0]!["extensions"]!["code"]!.GetValue<string>()));
        (await fixture.Rig.QueryAsync("{ __schema { queryType { name } } }")).AssertNoErrors();
    }

    [Fact]
    public async Task A_batch_shares_one_result_budget_so_the_operations_past_it_are_refused()
    {
        // One IDE introspection is well within Gateway:Limits:MaxResultFields; ten of them in one request are not.
        var answer = await SendBatchAsync(Enumerable.Repeat(Amplifiers.IdeIntrospectionQuery, 10));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var entries = answer.Json!.AsArray();
        Assert.Null(entries[0]!["errors"]);
        Assert.NotNull(entries[0]!["data"]!["__schema"]);
        var last = entries[^1]!["errors"]![0]!;
        Assert.Equal("RESULT_TOO_LARGE", last["extensions"]!["code"]!.GetValue<string>());
        Assert.Contains("earlier operations", last["message"]!.GetValue<string>(), StringComparison.Ordinal);
        (await fixture.Rig.QueryAsync(Amplifiers.IdeIntrospectionQuery)).AssertNoErrors();
    }

    /// <summary>
    /// The estimate reads the operation that runs: with an empty operationName it matched no operation and estimated 0,
    /// and IDs written as a variable's default counted as one; either way a 500-job x 600-field answer (300 000 fields)
    /// was built, and two of them at once took a replica past 1.4 GB.
    /// </summary>
    [Theory]
    [InlineData("empty operationName")]
    [InlineData("default value")]
    public async Task An_answer_too_large_is_refused_however_the_operation_names_its_jobs(string form)
    {
        var ids = Enumerable.Range(0, 500).Select(i => $"{i:x8}-2308-4bb5-a6bc-1040402fjb21").ToArray();
        var fields = string.Join(" ", Enumerable.Range(0, 600).Select(i => $"a{i}: id"));
        var literal = "[" + string.Join(", ", ids.Select(id => $"\"{id}\"")) + "]";
        object body = form == "default value"
            ? new { query = $"query Q($ids: [ID!]! = {literal}) {{ jobs(ids: $ids) {{ {fields} }} }}" }
            : new { query = $"query Q($ids: [ID!]!) {{ jobs(ids: $ids) {{ {fields} }} }}", operationName = "", variables = new { ids } };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);
        var answer = await fixture.Rig.SendAsync(request);

        Assert.Equal("RESULT_TOO_LARGE", Assert.Single(answer.Codes));

        // The same document with a one-ID variable instead of the default runs.
        var small = await fixture.Rig.QueryAsync($"query Q($ids: [ID!]! = {literal}) {{ jobs(ids: $ids) {{ {fields} }} }}", variables: new { ids = new[] { ids[0] } });
        small.AssertNoErrors();
    }

    private async Task<GraphQLAnswer> SendBatchAsync(IEnumerable<string> queries)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(queries.Select(query => new { query }).ToArray()) };
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        request.Headers.Add("X-Auth-Token", GatewayRig.Token);
        return await fixture.Rig.SendAsync(request);
    }
}
