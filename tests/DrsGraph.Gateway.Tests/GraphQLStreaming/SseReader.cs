using System.Net;
using System.Text;

namespace DrsGraph.Gateway.Tests.GraphQLStreaming;

/// <summary>One thing read from an event stream: an event (<c>next</c>, <c>complete</c>) with its data, or a comment (<c>:</c> line).</summary>
public sealed record SseItem(string? Event, string? Data, bool IsComment);

/// <summary>A GraphQL-over-SSE request read line by line with a raw HttpClient, as the graphql-sse protocol frames it.</summary>
public sealed class SseReader : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseReader(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body, Encoding.UTF8);
    }

    public HttpStatusCode Status => _response.StatusCode;

    public string? ContentType => _response.Content.Headers.ContentType?.ToString();

    public static Task<SseReader> PostAsync(HttpClient client, string json, params (string Name, string Value)[] headers) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(json, Encoding.UTF8, "application/json") }, headers);

    public static Task<SseReader> GetAsync(HttpClient client, string query, params (string Name, string Value)[] headers) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "/graphql?query=" + Uri.EscapeDataString(query)), headers);

    public static async Task<SseReader> SendAsync(HttpClient client, HttpRequestMessage request, params (string Name, string Value)[] headers)
    {
        request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = new CancellationTokenSource(GraphQLWsClient.Patience);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        return new SseReader(response, await response.Content.ReadAsStreamAsync(timeout.Token));
    }

    /// <summary>The next event or comment; null at the end of the stream.</summary>
    public async Task<SseItem?> ReadAsync()
    {
        using var timeout = new CancellationTokenSource(GraphQLWsClient.Patience);
        string? name = null;
        string? data = null;
        while (await _reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null || data is not null)
                {
                    return new SseItem(name, data, IsComment: false);
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                return new SseItem(null, null, IsComment: true);
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data = line["data:".Length..].TrimStart(' ');
            }
        }

        return null;
    }

    /// <summary>The next event, skipping keep-alive comments.</summary>
    public async Task<SseItem> ReadEventAsync()
    {
        while (await ReadAsync() is { } item)
        {
            if (!item.IsComment)
            {
                return item;
            }
        }

        throw new InvalidOperationException("The event stream ended.");
    }

    /// <summary>Everything until the stream ends.</summary>
    public async Task<List<SseItem>> ReadToEndAsync()
    {
        var items = new List<SseItem>();
        while (await ReadAsync() is { } item)
        {
            items.Add(item);
        }

        return items;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}
