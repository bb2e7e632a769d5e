using System.Net;
using System.Text;

namespace DrsGraph.Gateway.Tests.GraphQLHttp;

/// <summary>What the endpoint answered, read completely.</summary>
public sealed record Answer(HttpStatusCode Status, string? ContentType, string Body, HttpResponseMessage Response)
{
    public string Header(string name) =>
        Response.Headers.TryGetValues(name, out var values) || Response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : string.Empty;
}

public static class GraphQLHttpClientExtensions
{
    public const string GraphQLResponseJson = "application/graphql-response+json";
    public const string Json = "application/json";

    /// <summary>POSTs raw bytes with exactly the given Content-Type (HttpClient would add a charset otherwise).</summary>
    public static Task<Answer> PostRawAsync(this HttpClient client, byte[] body, string? contentType, string? accept, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new ByteArrayContent(body) };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return client.SendWithAsync(request, accept, headers);
    }

    public static Task<Answer> PostJsonAsync(this HttpClient client, string json, string? accept = GraphQLResponseJson, params (string Name, string Value)[] headers) =>
        client.PostRawAsync(Encoding.UTF8.GetBytes(json), Json, accept, headers);

    public static Task<Answer> GetWithAsync(this HttpClient client, string pathAndQuery, string? accept = GraphQLResponseJson, params (string Name, string Value)[] headers) =>
        client.SendWithAsync(new HttpRequestMessage(HttpMethod.Get, pathAndQuery), accept, headers);

    public static async Task<Answer> SendWithAsync(this HttpClient client, HttpRequestMessage request, string? accept, params (string Name, string Value)[] headers)
    {
        using (request)
        {
            if (accept is not null)
            {
                request.Headers.TryAddWithoutValidation("Accept", accept);
            }

            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return new Answer(response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, response);
        }
    }

    public static string Query(string text) => Uri.EscapeDataString(text);
}
