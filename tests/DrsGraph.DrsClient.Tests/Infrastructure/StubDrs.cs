using System.Collections.Concurrent;
using DrsGraph.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DrsGraph.DrsClient.Tests.Infrastructure;

/// <summary>
/// A scripted DRS on real Kestrel, for answers the emulator never gives (a dropped item, an
/// unreadable body, an unusual error shape). Records every request as it arrived.
/// </summary>
public sealed class StubDrs : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StubDrs(WebApplication app) => _app = app;

    public Uri BaseAddress => _app.GetBaseAddress();

    public ConcurrentQueue<StubRequest> Requests { get; } = new();

    /// <summary>
    /// Starts a stub whose every <c>POST /v3/{project}/jobs/{operation}</c> (and the list call, <c>POST /v3/{project}/jobs</c>,
    /// as operation <c>list</c>) is answered by <paramref name="respond"/>.
    /// </summary>
    public static async Task<StubDrs> StartAsync(Func<StubRequest, HttpContext, Task> respond)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var stub = new StubDrs(app);
        app.MapPost("/v3/{projectId}/jobs/{operation}", (HttpContext context, string projectId, string operation) => stub.AnswerAsync(context, projectId, operation, respond));
        app.MapPost("/v3/{projectId}/jobs", (HttpContext context, string projectId) => stub.AnswerAsync(context, projectId, "list", respond));
        await app.StartAsync();
        return stub;
    }

    private async Task AnswerAsync(HttpContext context, string projectId, string operation, Func<StubRequest, HttpContext, Task> respond)
    {
        using var reader = new StreamReader(context.Request.Body);
        var request = new StubRequest(
            projectId,
            operation,
            await reader.ReadToEndAsync(context.RequestAborted),
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
        Requests.Enqueue(request);
        await respond(request, context);
    }

    /// <summary>Writes <paramref name="json"/> with <paramref name="status"/> and an <c>X-Request-Id</c>.</summary>
    public static Task WriteAsync(HttpContext context, int status, string json, string requestId = "stubrequest0000000000000000000001", string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.Headers["X-Request-Id"] = requestId;
        return context.Response.WriteAsync(json, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record StubRequest(string ProjectId, string Operation, string Body, IReadOnlyDictionary<string, string> Headers);
