using DrsGraph.Gateway.DataLoading;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using DrsGraph.Benchmarks.Infrastructure;
using DrsGraph.DrsClient;
using DrsGraph.Gateway.Callers;
using DrsGraph.Gateway.DataSources;
using DrsGraph.Gateway.GraphQLSchema;
using DrsGraph.Gateway.Limits;
using GraphQL;
using GraphQLParser;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DrsGraph.Benchmarks.GraphQL;

/// <summary>
/// The gateway's GraphQL work for one request, with the real schema and DataLoaders over an in-memory
/// data source: parse, validate, execute (DataLoader batching included) and write the JSON response
/// with GraphQL.NET's <see cref="IGraphQLTextSerializer"/>, as the gateway's endpoint does.
/// The queries are the load benchmark's (bench/run.sh).
/// </summary>
[MemoryDiagnoser]
public class GraphQLExecutionBenchmarks
{
    private const string Status1Query = "query($id: ID!) { job(id: $id) { id status } }";
    private const string Full20Query = "query($ids: [ID!]!) { jobs(ids: $ids) { id status phase isTerminal isFailed progress { percent incrementalDelaySeconds remainingSeconds phases { name percent } } detail { name taskType createdAt source { dbType host port } target { dbType instanceName } } } }";
    private const string Detail100Query = "query($ids: [ID!]!) { jobs(ids: $ids) { id detail { name status taskType createdAt updatedAt source { dbType host port } target { dbType host port instanceName } } } }";

    private static readonly DrsCaller Caller = new("bench-token", "054ba152d480d55b2f5dc0069e7ddef0");

    private WebApplication _app = null!;
    private IDocumentExecuter<JobSchema> _executer = null!;
    private IGraphQLTextSerializer _serializer = null!;
    private InMemoryJobDataSource _source = null!;
    private Inputs _status1 = null!;
    private Inputs _ids20 = null!;
    private Inputs _ids100 = null!;
    private ExecutionResult _full20Result = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var samples = WireSamples.Instance;
        _source = new InMemoryJobDataSource(samples);
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        // Registered first: AddJobGraph only adds the DRS-backed source when none is there (TryAdd).
        builder.Services.AddSingleton<IJobDataSource>(_source);
        builder.AddJobGraph();
        builder.AddQueryLimits();
        _app = builder.Build();
        _executer = _app.Services.GetRequiredService<IDocumentExecuter<JobSchema>>();
        _serializer = _app.Services.GetRequiredService<IGraphQLTextSerializer>();
        _status1 = Variables(new { id = samples.Ids[0] });
        _ids20 = Variables(new { ids = samples.Ids.Take(20).ToArray() });
        _ids100 = Variables(new { ids = samples.Ids.Take(100).ToArray() });

        // Fail loudly, not fast: a schema change that breaks the queries must not benchmark an error.
        _full20Result = await ExecuteAsync(Full20Query, _ids20, document: null);
        if (_full20Result.Errors is { Count: > 0 } errors)
        {
            throw new InvalidOperationException($"The 20-job query failed: {errors[0].Message}");
        }

        using var measured = new MemoryStream();
        await _serializer.WriteAsync(measured, _full20Result);
        Full20ResponseBytes = measured.Length;
    }

    /// <summary>Bytes of the 20-job response (for the README: the serializer's output size).</summary>
    public long Full20ResponseBytes { get; private set; }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _app.DisposeAsync();

    [Benchmark]
    public Task<int> Status1_execute_and_serialize() => ExecuteAndWriteAsync(Status1Query, _status1);

    [Benchmark(Baseline = true)]
    public Task<int> Full20_execute_and_serialize() => ExecuteAndWriteAsync(Full20Query, _ids20);

    [Benchmark]
    public async Task<int> Full20_execute_only() => (await ExecuteAsync(Full20Query, _ids20, document: null)).Executed ? 1 : 0;

    /// <summary>The share of parsing: the same execution with the document parsed once (what a document cache saves, validation aside).</summary>
    [Benchmark]
    public async Task<int> Full20_execute_only_preparsed() => (await ExecuteAsync(Full20Query, _ids20, Parsed.Full20)).Executed ? 1 : 0;

    [Benchmark]
    public async Task<int> Full20_serialize_only()
    {
        await _serializer.WriteAsync(Stream.Null, _full20Result);
        return 1;
    }

    [Benchmark]
    public Task<int> Detail100_execute_and_serialize() => ExecuteAndWriteAsync(Detail100Query, _ids100);

    // Stream.Null: the serializer does all its work (UTF-8 writer, buffers), without a growing MemoryStream's noise.
    private async Task<int> ExecuteAndWriteAsync(string query, Inputs variables)
    {
        var result = await ExecuteAsync(query, variables, document: null);
        await _serializer.WriteAsync(Stream.Null, result);
        return result.Executed ? 1 : 0;
    }

    private Task<ExecutionResult> ExecuteAsync(string query, Inputs variables, global::GraphQLParser.AST.GraphQLDocument? document) =>
        _executer.ExecuteAsync(new ExecutionOptions
        {
            Query = query,
            Document = document,
            Variables = variables,
            RequestServices = _app.Services,
            UserContext = new GatewayUserContext(new CallerContext(Caller, null), new JobLoaders(_source, Caller)),
        });

    private Inputs Variables(object values) =>
        _serializer.Deserialize<Inputs>(JsonSerializer.Serialize(values)) ?? throw new InvalidOperationException("No variables.");

    private static class Parsed
    {
        public static readonly global::GraphQLParser.AST.GraphQLDocument Full20 = Parser.Parse(Full20Query);
    }
}
