using System.Collections.Concurrent;
using System.Text.Json;
using DrsGraph.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DrsGraph.Gateway.Tests.Faults;

/// <summary>
/// A misbehaving DRS on real Kestrel (loopback, port 0), for what the emulator cannot do: redirect,
/// stall mid-body, drip, send hundreds of megabytes, throttle one token only. Every request, whatever
/// its method and path, is recorded and answered by <see cref="Respond"/>, which a test may swap.
/// </summary>
public sealed class StubUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StubUpstream(WebApplication app, Func<HttpContext, StubCall, Task> respond)
    {
        _app = app;
        Respond = respond;
    }

    public Uri BaseAddress => _app.GetBaseAddress();

    /// <summary>How the next requests are answered.</summary>
    public Func<HttpContext, StubCall, Task> Respond { get; set; }

    public ConcurrentQueue<StubCall> Calls { get; } = new();

    public static async Task<StubUpstream> StartAsync(Func<HttpContext, StubCall, Task>? respond = null)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.SetMinimumLevel(LogLevel.Critical);
        var app = builder.Build();
        var stub = new StubUpstream(app, respond ?? HealthyAsync);
        app.Run(async context =>
        {
            var ids = new List<string>();
            string? useType = null;
            if (HttpMethods.IsPost(context.Request.Method))
            {
                try
                {
                    using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                    if (body.RootElement.TryGetProperty("jobs", out var jobs))
                    {
                        ids.AddRange(jobs.EnumerateArray().Select(j => j.GetString()!));
                    }

                    if (body.RootElement.TryGetProperty("db_use_type", out var listed) && listed.ValueKind == JsonValueKind.String)
                    {
                        useType = listed.GetString();
                    }
                }
                catch (JsonException)
                {
                    // Not a batch call: recorded without IDs.
                }
            }

            var call = new StubCall(context.Request.Method, context.Request.Path, context.Request.Headers["X-Auth-Token"].ToString(), ids) { UseType = useType };
            stub.Calls.Enqueue(call);
            try
            {
                await stub.Respond(context, call);
            }
            catch (OperationCanceledException)
            {
                // The gateway hung up (a timeout it enforced): nothing more to send.
            }
        });
        await app.StartAsync();
        return stub;
    }

    /// <summary>What a healthy DRS answers for status, progress and detail of the IDs asked for.</summary>
    public static Task HealthyAsync(HttpContext context, StubCall call) => WriteJsonAsync(context, 200, HealthyBody(call));

    public static string HealthyBody(StubCall call, string name = "stub-job")
    {
        var items = call.Operation switch
        {
            "batch-progress" => call.Ids.Select(id => new Dictionary<string, object?> { ["job_id"] = id, ["progress"] = "42%", ["task_mode"] = "FULL_TRANS" }),
            "batch-detail" => call.Ids.Select(id => new Dictionary<string, object?> { ["id"] = id, ["name"] = name, ["status"] = "FULL_TRANSFER_STARTED" }),
            _ => call.Ids.Select(id => new Dictionary<string, object?> { ["id"] = id, ["status"] = "FULL_TRANSFER_STARTED" }),
        };
        var results = items.ToList();
        return JsonSerializer.Serialize(new Dictionary<string, object?> { ["count"] = results.Count, ["results"] = results });
    }

    public static Task WriteJsonAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["X-Request-Id"] = "stubrequest0000000000000000000042";
        return context.Response.WriteAsync(json, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request the stub received: its method, path, token and the job IDs of its body.</summary>
public sealed record StubCall(string Method, string Path, string Token, IReadOnlyList<string> Ids)
{
    /// <summary>A list call's <c>db_use_type</c> (the use type it lists); null for other calls.</summary>
    public string? UseType { get; init; }

    /// <summary>The last path segment: <c>batch-status</c>, <c>batch-progress</c> or <c>batch-detail</c>.</summary>
    public string Operation => Path[(Path.LastIndexOf('/') + 1)..];
}
