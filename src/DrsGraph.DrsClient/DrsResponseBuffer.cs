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

    // Most a declared Content-Length rents before the bytes arrive: a 20-job batch-detail answer is ~60 KB, 100 jobs ~300 KB.
    private const long FirstRentMax = 512 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        try
        {
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                // A redirect is refused by its status alone (never followed, never retried): what it carries is not
                // read. A redirect declaring a megabyte and never sending it held the call for three attempt timeouts.
                response.Content.Dispose();
                response.Content = new BufferedBody([]);
                return response;
            }

            var limit = options.CurrentValue.MaxResponseBytes;
            if (response.Content.Headers.ContentLength is { } declared && declared > limit)
            {
                throw new DrsResponseTooLargeException(declared, limit);
            }

            var body = await ReadBoundedAsync(response.Content, response.Content.Headers.ContentLength, limit, cancellationToken);
            var buffered = new BufferedBody(body);
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

    // One array of the body's exact size, and nothing else kept: the body is read into a pooled buffer (sized from
    // Content-Length when there is one), grown by renting a larger one. A MemoryStream here (doubled as it grew, then
    // copied by ToArray) and HttpContent.ReadAsByteArrayAsync after it (two more copies) made a quarter of the
    // allocations of a cold 20-job query (bench/README.md, "issue 15, waste on the cold path").
    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, long? declared, long limit, CancellationToken cancellationToken)
    {
        // One byte more than declared, so a body that runs past its length still reads to its end (and the limit); but
        // never more than FirstRentMax up front: a declared length is DRS's word, and an upstream that declares megabytes
        // and drips bytes must not make every call in flight hold its limit's worth of memory. Larger bodies grow as they arrive.
        var first = declared is { } length ? Math.Min(Math.Min(length + 1, limit + 1), FirstRentMax) : ReadSize;
        var buffer = ArrayPool<byte>.Shared.Rent((int)first);
        var filled = 0;
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken);
            while (true)
            {
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                int read;
                try
                {
                    read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                }
                catch (IOException ex)
                {
                    // The standard retry handles HttpRequestException, not a connection cut mid-body.
                    throw new HttpRequestException(HttpRequestError.ResponseEnded, "The connection to DRS failed while its answer was being read.", ex);
                }

                if (read == 0)
                {
                    return buffer.AsSpan(0, filled).ToArray();
                }

                if (filled + read > limit)
                {
                    throw new DrsResponseTooLargeException(null, limit);
                }

                filled += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>
/// The body <see cref="DrsResponseBuffer"/> read, as the response's content: <see cref="DrsClient"/> takes
/// <see cref="Body"/> as it is, where <c>ReadAsByteArrayAsync</c> would copy it twice more.
/// </summary>
internal sealed class BufferedBody(byte[] body) : ByteArrayContent(body)
{
    public byte[] Body { get; } = body;
}

/// <summary>DRS sent (or declared) more than <see cref="DrsClientOptions.MaxResponseBytes"/>; not a transient fault, so never retried.</summary>
internal sealed class DrsResponseTooLargeException(long? declared, long limit)
    : Exception(declared is { } length
        ? $"DRS declared an answer of {length} bytes; at most {limit} are read (Drs:MaxResponseBytes)."
        : $"DRS sent an answer of more than {limit} bytes (Drs:MaxResponseBytes); it was not read further.")
{
    public long Limit { get; } = limit;
}
