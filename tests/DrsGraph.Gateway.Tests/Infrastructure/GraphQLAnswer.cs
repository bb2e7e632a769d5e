using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>What the gateway answered to one request, read completely, and how long it took.</summary>
public sealed record GraphQLAnswer(HttpStatusCode Status, string Raw, TimeSpan Elapsed, TimeSpan? RetryAfter)
{
    /// <summary>The parsed body; null when it is not JSON (a bare 414 from Kestrel, say).</summary>
    public JsonNode? Json { get; } = TryParse(Raw);

    /// <summary>The body as a JSON object; fails with the raw text when it is not one.</summary>
    public JsonObject Body => Json as JsonObject ?? throw new InvalidOperationException($"Not a JSON object ({(int)Status}): {Raw}");

    public JsonArray Errors => Json?["errors"]?.AsArray() ?? [];

    public JsonNode? Data => Json?["data"];

    public IEnumerable<string> Codes => Errors.Select(e => e?["extensions"]?["code"]?.GetValue<string>() ?? "(none)");

    /// <summary>Fails with the whole response in the message, which is what one wants to read then.</summary>
    public GraphQLAnswer AssertNoErrors()
    {
        Assert.True(Status == HttpStatusCode.OK && Errors.Count == 0, $"Expected data without errors, got {(int)Status}: {Raw}");
        return this;
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
