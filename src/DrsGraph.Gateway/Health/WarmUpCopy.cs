using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using DrsGraph.Emulator;
using DrsGraph.Emulator.Jobs;
using DrsGraph.Gateway.Caching;
using DrsGraph.Gateway.Upstream;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Health;

/// <summary>
/// The load half of the start-up warm-up. A gateway's hot path reaches full speed only after the JIT has
/// recompiled it with what thousands of real requests taught it (tiered compilation, dynamic PGO): measured
/// in bench/README.md, a fresh replica costs 3-4x its steady CPU per request over its first 10 s of cold
/// load, and ~1.5x after 8 s of that load. So before this replica starts, a throwaway copy of it (the same
/// composition, code and settings) takes that load: cold 20-job requests, each under a token of its own so
/// every one misses the cache, over real HTTP on loopback, against the copy's own embedded DRS emulator.
/// <para>
/// Nothing is shared with the replica: the copy has its own services, memory cache and emulator, no Redis,
/// no DRS endpoint or region, no service identity, no OTLP export and no logs. It runs after the replica
/// is built and its settings validated (on another copy: see <see cref="StartupValidation"/>), and before the
/// replica starts: until then nothing of the replica listens to metrics or traces, so the copy's requests
/// appear in none of them. The compiled code is what stays. Its outcome goes to <see cref="WarmUpState"/>;
/// <see cref="StartupWarmUp"/> reports both halves.
/// </para>
/// </summary>
internal static partial class WarmUpCopy
{
    /// <summary>Requests in flight at once: the load benchmark's 32 connections' worth of work on a few cores.</summary>
    internal const int Concurrency = 16;

    /// <summary>The jobs each request asks for, as in the benchmark's <c>cold20</c>.</summary>
    internal const int JobsPerRequest = 20;

    /// <summary>
    /// The copy's memory level, in megabytes (the replica's when smaller). Its answers are thrown away with it, and a
    /// level this size is full after a few dozen requests, so the load runs the same code as a full 64 MB level;
    /// a copy with the replica's 64 MB held all of it beside the replica and set the process's peak RSS for the
    /// whole start-up (bench/README.md, "a new replica's start-up peak").
    /// </summary>
    internal const int CopyMemoryMegabytes = 8;

    /// <summary>
    /// Bytes the copy's load may allocate between two collections of gen0 and gen1 (about 30 requests). Left to
    /// itself the GC lets the young generations grow to their budget first (64 MB per heap as shipped, for
    /// throughput), and a new replica's memory peaked during its warm-up. With both: ~240 MB peak RSS at start-up
    /// instead of ~370 MB, for about a second more of warm-up (nearly everything a finished request allocated is
    /// garbage, so the collections are cheap).
    /// </summary>
    internal const long CollectEveryBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Settings of the replica the copy does not take: where it listens, every external service it could reach
    /// (Redis, DRS, IAM, OTLP), what could refuse the warm-up's requests, and logging. (What
    /// <see cref="CopySettings"/> sets, such as <c>urls</c> and the embedded emulator's section, wins anyway.)
    /// </summary>
    private static readonly string[] NotCopied =
    [
        "Kestrel", "http_ports", "https_ports", "https_port", "ConnectionStrings",
        "Drs:Endpoint", "Drs:Regions", "Emulator",
        "Gateway:ServiceIdentity", "Gateway:PersistedOperations", "Gateway:Limits", "Gateway:Security", "Logging",
    ];

    /// <summary>What the copy is told instead.</summary>
    private static readonly Dictionary<string, string?> CopySettings = new()
    {
        [EmbeddedEmulatorOptions.EnabledSetting] = "true",
        [EmbeddedEmulatorOptions.SectionName + ":" + nameof(EmbeddedEmulatorOptions.Urls)] = "http://127.0.0.1:0",
        ["Drs:ProjectId"] = JobFactory.DemoProjectId,
        // Every request comes from 127.0.0.1 under a new token: the per-address limit would refuse the load.
        ["Gateway:Security:RateLimit:AddressBurstLimit"] = "1000000",
        ["Gateway:Security:RateLimit:AddressTokensPerPeriod"] = "1000000",
        // A new token per request misses the cache only when entries are partitioned by token.
        ["Gateway:Cache:Partition"] = "Token",
        ["Logging:LogLevel:Default"] = "None",
        ["urls"] = "http://127.0.0.1:0",
    };

    /// <summary>
    /// Runs the load half for <paramref name="replica"/> (built and validated, not started) when
    /// <see cref="HealthOptions.WarmUpRequests"/> and <see cref="HealthOptions.WarmUpTimeout"/> are above
    /// zero; <paramref name="compose"/> builds the gateway from a builder (Program.cs's composition). Never
    /// throws: a failure is logged once and recorded, and the replica starts anyway. A stop signal
    /// (<paramref name="lifetime"/>) ends it at once, silently: <see cref="GatewayLifetime.RunAsync"/> then
    /// does not start the replica, and says so.
    /// </summary>
    public static async Task RunAsync(WebApplication replica, Func<WebApplicationBuilder, WebApplication> compose, GatewayLifetime lifetime)
    {
        var services = replica.Services;
        var state = services.GetRequiredService<WarmUpState>();
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WarmUpCopy).FullName!);
        // Validated already (Program.cs runs StartupValidation first).
        var options = services.GetRequiredService<IOptions<HealthOptions>>().Value;
        if (options.WarmUpRequests <= 0 || options.WarmUpTimeout <= TimeSpan.Zero || GatewayCopy.HostedByTest || lifetime.Received is not null)
        {
            return;
        }

        var cache = services.GetRequiredService<IOptions<JobCacheOptions>>().Value;
        var level = Math.Min(CopyMemoryMegabytes, cache.MaxMemoryMegabytes);
        LogStarting(logger, options.WarmUpRequests, cache.Enabled ? $"{level} MB" : "off, as the gateway's cache", options.WarmUpTimeout);
        var started = time.GetTimestamp();
        using var deadline = new CancellationTokenSource(options.WarmUpTimeout, time);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, lifetime.Token);
        var succeeded = 0;
        string outcome;
        string? failure = null;
        try
        {
            await using var copy = Build(replica, compose, level);
            (succeeded, failure) = await LoadAsync(copy, options.WarmUpRequests, ended.Token);
            outcome = failure is not null ? "failed" : deadline.IsCancellationRequested ? "timed out" : "completed";
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            outcome = "timed out";
        }
        catch (Exception ex)
        {
            // Never fatal: the warm-up only makes the first requests faster.
            outcome = "failed";
            failure = $"{ex.GetType().Name}: {ex.Message}";
        }

        if (lifetime.Received is not null)
        {
            return;
        }

        switch (outcome)
        {
            case "failed":
                LogFailed(logger, succeeded, failure!);
                break;
            case "timed out":
                LogTimedOut(logger, succeeded, options.WarmUpTimeout);
                break;
        }

        // The copy is gone, but the heap it grew (its cache, every answer) stays committed: an idle new replica would
        // keep it (measured with a 64 MB copy level and no collections during the load: 374 MB RSS once listening,
        // against 138 MB without the load). One aggressive, compacting collection gives most of it back (214 MB)
        // before the replica serves.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        state.LoadFinished(outcome, succeeded, time.GetElapsedTime(started));
    }

    private static WebApplication Build(WebApplication replica, Func<WebApplicationBuilder, WebApplication> compose, int memoryMegabytes) =>
        GatewayCopy.Build(replica, compose, IsCopied, new Dictionary<string, string?>(CopySettings)
        {
            [$"{JobCacheOptions.SectionName}:{nameof(JobCacheOptions.MaxMemoryMegabytes)}"] = memoryMegabytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    /// <summary>
    /// Starts the copy, sends it <paramref name="requests"/> cold requests (<see cref="Concurrency"/> at a time),
    /// stops it. Stops at the first request that is not a 200 answer without errors, and says which.
    /// </summary>
    private static async Task<(int Succeeded, string? Failure)> LoadAsync(WebApplication copy, int requests, CancellationToken cancellationToken)
    {
        await copy.StartAsync(cancellationToken);
        try
        {
            var emulator = copy.Services.GetRequiredService<EmbeddedEmulator>().BaseAddress;
            using var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, MaxConnectionsPerServer = Concurrency };
            using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
            var body = await RequestBodyAsync(client, emulator, cancellationToken);
            return await SendAllAsync(client, new Uri(copy.GetBaseAddress(), "graphql"), body, requests, cancellationToken);
        }
        finally
        {
            // Nothing is in flight any more (or it was cancelled): the copy has nothing to drain.
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await copy.StopAsync(stopping.Token);
        }
    }

    private static bool IsCopied(string key) =>
        !key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase)
        && !NotCopied.Any(prefix => key.Equals(prefix, StringComparison.OrdinalIgnoreCase)
            || (key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && key[prefix.Length] == ':'));

    /// <summary>The benchmark's 20-job query over the first jobs of the copy's emulator.</summary>
    private static async Task<byte[]> RequestBodyAsync(HttpClient client, Uri emulator, CancellationToken cancellationToken)
    {
        var listing = new Uri(emulator, $"_emulator/jobs?projectId={JobFactory.DemoProjectId}");
        using var jobs = JsonDocument.Parse(await client.GetByteArrayAsync(listing, cancellationToken));
        var ids = jobs.RootElement.GetProperty("jobs").EnumerateArray()
            .Where(job => !job.GetProperty("deleted").GetBoolean())
            .Select(job => job.GetProperty("id").GetString())
            .Take(JobsPerRequest)
            .ToList();
        return JsonSerializer.SerializeToUtf8Bytes(new { query = StartupWarmUp.Query, variables = new { ids } });
    }

    private static async Task<(int Succeeded, string? Failure)> SendAllAsync(HttpClient client, Uri graphql, byte[] body, int requests, CancellationToken cancellationToken)
    {
        var sent = 0;
        var succeeded = 0;
        var collectedAt = GC.GetTotalAllocatedBytes();
        string? failure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var contentType = new MediaTypeHeaderValue("application/json");

        async Task SendAsync()
        {
            int number;
            while ((number = Interlocked.Increment(ref sent)) <= requests)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, graphql) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = contentType;
                request.Headers.TryAddWithoutValidation("X-Auth-Token", $"{StartupWarmUp.Token}-{number}");
                try
                {
                    using var response = await client.SendAsync(request, stop.Token);
                    var answer = await response.Content.ReadAsByteArrayAsync(stop.Token);
                    if (response.StatusCode != HttpStatusCode.OK || answer.AsSpan().IndexOf("\"errors\""u8) >= 0)
                    {
                        Interlocked.CompareExchange(ref failure, $"HTTP {(int)response.StatusCode}: {Excerpt(answer)}", null);
                        await stop.CancelAsync();
                        return;
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return; // Another request failed first, or the time is up.
                }

                Interlocked.Increment(ref succeeded);
                var allocated = GC.GetTotalAllocatedBytes();
                var last = Interlocked.Read(ref collectedAt);
                if (allocated - last >= CollectEveryBytes && Interlocked.CompareExchange(ref collectedAt, allocated, last) == last)
                {
                    GC.Collect(1, GCCollectionMode.Forced, blocking: true);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => SendAsync()));
        return (succeeded, failure);
    }

    private static string Excerpt(byte[] answer)
    {
        var text = System.Text.Encoding.UTF8.GetString(answer.AsSpan(0, Math.Min(answer.Length, 300)));
        return text.ReplaceLineEndings(" ");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Start-up warm-up: {Requests} cold requests through a copy of the gateway before it starts (its memory level {MemoryLevel}; at most {Timeout}; Gateway:Health:WarmUpRequests)")]
    private static partial void LogStarting(ILogger logger, int requests, string memoryLevel, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up warm-up: its copy of the gateway failed after {Succeeded} cold requests: {Failure}; the gateway starts anyway")]
    private static partial void LogFailed(ILogger logger, int succeeded, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up warm-up: Gateway:Health:WarmUpTimeout ({Timeout}) ran out after {Succeeded} cold requests through its copy of the gateway; the gateway starts anyway, less warm")]
    private static partial void LogTimedOut(ILogger logger, int succeeded, TimeSpan timeout);
}
