namespace DrsGraph.Gateway.GraphQLStreaming;

/// <summary>
/// An event stream's response body that gives each write and flush <see cref="GraphQLStreamingOptions.SendTimeout"/> to
/// complete, as a WebSocket's sends have. A client that stops reading fills the network buffers and the write waits; past
/// the timeout the connection is aborted (<see cref="HttpContext.Abort"/>), which ends the stream, its subscription and
/// its share of the poller, and <c>dropped</c> is called once. Without it such a client held its connection slot, its
/// subscription and DRS polling for as long as it kept the TCP connection open.
/// </summary>
internal sealed class SendTimeoutStream : Stream
{
    private readonly Stream _inner;
    private readonly TimeSpan _timeout;
    private readonly ITimer _timer;
    private int _dropped;

    public SendTimeoutStream(Stream inner, HttpContext context, TimeSpan timeout, TimeProvider time, Action dropped)
    {
        _inner = inner;
        _timeout = timeout;
        _timer = time.CreateTimer(_ =>
        {
            if (Interlocked.Exchange(ref _dropped, 1) == 0)
            {
                dropped();
                context.Abort();
            }
        }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>True once the timeout dropped the connection.</summary>
    public bool Dropped => Volatile.Read(ref _dropped) == 1;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _timer.Change(_timeout, Timeout.InfiniteTimeSpan);
        try
        {
            await _inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        _timer.Change(_timeout, Timeout.InfiniteTimeSpan);
        try
        {
            await _inner.FlushAsync(cancellationToken);
        }
        finally
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    // Kestrel refuses synchronous writes by default; the streams here never make them.
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Event streams are written asynchronously.");

    public override void Flush() => throw new NotSupportedException("Event streams are flushed asynchronously.");

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
        await base.DisposeAsync();
    }
}
