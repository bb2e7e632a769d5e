using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using DrsGraph.Benchmarks.Infrastructure;
using DrsGraph.DrsClient;
using DrsGraph.DrsClient.Wire;
using DrsGraph.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DrsGraph.Benchmarks.Upstream;

/// <summary>
/// One 20-job batch-detail call over loopback to an emulator in this process, two ways: a bare
/// HttpClient posting pre-serialized bytes (the floor: HTTP plus the emulator's work), and the
/// gateway's typed client (request building, standard resilience handler, logging scope, response
/// reading, per-item results). The difference is what the client pipeline costs per upstream call.
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes what [GlobalSetup] creates.")]
public class DrsClientBenchmarks
{
    private static readonly DrsCaller Caller = new("bench-token", "054ba152d480d55b2f5dc0069e7ddef0");

    private WebApplication _emulator = null!;
    private ServiceProvider _services = null!;
    private IDrsClient _client = null!;
    private HttpClient _raw = null!;
    private string[] _ids = [];
    private byte[] _body = [];
    private Uri _detailPath = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _ids = [.. WireSamples.Instance.Ids.Take(20)];
        _emulator = EmulatorApplication.Create(["--urls", "http://127.0.0.1:0"]);
        await _emulator.StartAsync();
        var baseAddress = _emulator.GetBaseAddress();

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Drs:Endpoint"] = baseAddress.ToString() })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddDrsClient();
        _services = services.BuildServiceProvider();
        _client = _services.GetRequiredService<IDrsClient>();

        _raw = new HttpClient { BaseAddress = baseAddress };
        _raw.DefaultRequestHeaders.Add("X-Auth-Token", Caller.AuthToken);
        _body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new BatchRequestWire(_ids, new PageReqWire(1, 100)), DrsWireJsonContext.Default.BatchRequestWire);
        _detailPath = new Uri($"v3/{Caller.ProjectId}/jobs/batch-detail", UriKind.Relative);

        if ((await _client.GetDetailsAsync(Caller, _ids)).Results.Values.Any(r => !r.IsSuccess))
        {
            throw new InvalidOperationException("The emulator did not answer every job.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _raw.Dispose();
        await _services.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public async Task<int> Bare_HttpClient_batch_detail_x20()
    {
        using var content = new ByteArrayContent(_body);
        content.Headers.ContentType = new("application/json");
        using var response = await _raw.PostAsync(_detailPath, content);
        return (await response.Content.ReadAsByteArrayAsync()).Length;
    }

    [Benchmark]
    public async Task<int> DrsClient_GetDetailsAsync_x20() => (await _client.GetDetailsAsync(Caller, _ids)).Results.Count;

    [Benchmark]
    public async Task<int> DrsClient_GetStatusesAsync_x20() => (await _client.GetStatusesAsync(Caller, _ids)).Results.Count;
}
