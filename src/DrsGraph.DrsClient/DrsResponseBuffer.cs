using System.Buffers;
using Microsoft.Extensions.Options;

namespace DrsGraph.DrsClient;

/// <summary>
/// Reads each DRS answer's body completely, and at most <see cref="DrsClientOptions.MaxResponseBytes"/>
/// of it, inside the resilience pipeline (it is the innermost handler).
/// </summary>
/// <remarks>
/// HttpClient returns once the headers are in; read after that, a body sent slowly or not at all was
/// outside every timeout (a body dripped at 1 byte/s was read for 109 s, and its cache keys stayed
/// claimed all that time). Read here, the attempt timeout covers the body: a stall or a drip is an
/// attempt timeout like any other, retried and then <c>UPSTREAM_TIMEOUT</c>. A connection lost while
/// reading is a connection error (retried); an answer over the limit is a protocol error (not retried).
/// </remarks>
internal sealed class DrsResponseBuffer(IOptionsMonitor<DrsClientOptions> options) : DelegatingHandler
{
    private const int ReadSize = 16 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        try
        {
            var limit = options.CurrentValue.MaxResponseBytes;
            if (response.Content.Headers.ContentLength is { } declared && declared > limit)
            {
                throw new DrsResponseTooLargeException(declared, limit);
            }

            var body = await ReadBoundedAsync(response.Content, limit, cancellationToken);
            var buffered = new ByteArrayContent(body);
            foreach (var header in response.Content.Headers)
            {
                buffered.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content.Dispose();
            response.Content = buffered;
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken);
            using var body = new MemoryStream();
            while (true)
            {
                int read;
                try
                {
                    read = await stream.ReadAsync(chunk.AsMemory(0, ReadSize), cancellationToken);
                }
                catch (IOException ex)
                {
                    // The standard retry handles HttpRequestException, not a connection cut mid-body.
                    throw new HttpRequestException(HttpRequestError.ResponseEnded, "The connection to DRS failed while its answer was being read.", ex);
                }

                if (read == 0)
                {
                    return body.ToArray();
                }

                if (body.Length + read > limit)
                {
                    throw new DrsResponseTooLargeException(null, limit);
                }

                body.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}

/// <summary>DRS sent (or declared) more than <see cref="DrsClientOptions.MaxResponseBytes"/>; not a transient fault, so never retried.</summary>
internal sealed class DrsResponseTooLargeException(long? declared, long limit)
    : Exception(declared is { } length
        ? $"DRS declared an answer of {length} bytes; at most {limit} are read (Drs:MaxResponseBytes)."
        : $"DRS sent an answer of more than {limit} bytes (Drs:MaxResponseBytes); it was not read further.")
{
    public long Limit { get; } = limit;
}
