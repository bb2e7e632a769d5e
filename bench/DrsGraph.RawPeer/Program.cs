// The `raw` peer of bench/run.sh: bare Kestrel that does the least any GraphQL gateway must do for the
// 20-job query (read and parse the JSON request body, check it carries a query and its variables) and then
// writes a precomputed answer: the gateway's own warm20 answer, captured by run.sh, so the bytes on the
// wire are the same. Its req/s is the ceiling of this machine for this request (issue 15, target 3).
//
//   dotnet DrsGraph.RawPeer.dll --urls http://127.0.0.1:PORT --answer /path/to/answer.json
using System.Text.Json;

var builder = WebApplication.CreateSlimBuilder(args);
// Nothing between Kestrel and the handler: no request logging, as in a gateway with its logging at Warning.
builder.Logging.ClearProviders();
var app = builder.Build();

var answerPath = app.Configuration["answer"]
    ?? throw new InvalidOperationException("--answer <file> is required: the JSON answer to serve.");
var answer = await File.ReadAllBytesAsync(answerPath);

app.MapPost("/graphql", async (HttpContext context) =>
{
    // Parse the whole body like a gateway must; a request without a query string is refused.
    using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
    if (!body.RootElement.TryGetProperty("query", out var query) || query.ValueKind != JsonValueKind.String)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }
    context.Response.ContentType = "application/graphql-response+json; charset=utf-8";
    context.Response.ContentLength = answer.Length;
    await context.Response.Body.WriteAsync(answer, context.RequestAborted);
});

await app.RunAsync();
