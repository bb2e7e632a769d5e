using System.Buffers;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>Thrown by <see cref="BoundedResponseBuffer"/> when a response passes its byte ceiling.</summary>
public sealed class ResponseTooLargeException(long ceiling)
    : Exception($"The serialized response passed the {ceiling}-byte ceiling (GraphQL:Http:MaxResponseBytes).")
{
    public long Ceiling { get; } = ceiling;
}

/// <summary>
/// Where a response is serialized before any byte of it is sent. Writing past the ceiling throws
/// <see cref="ResponseTooLargeException"/>, so the serializer stops there (memory stays bounded), and the
/// endpoint can still answer a clean error: nothing half-written has reached the client.
/// </summary>
/// <remarks>
/// The bytes live in one array rented from <see cref="ArrayPool{T}.Shared"/> and returned on dispose: a
/// <see cref="MemoryStream"/> allocated a fresh, doubling array per answer (a 20-job answer grew through six
/// of them) and was then copied once more; this buffer costs no allocation per answer once the pool is warm,
/// and <see cref="WrittenMemory"/> goes to the response body without a further copy.
/// </remarks>
internal sealed class BoundedResponseBuffer(long ceiling) : Stream, IBufferWriter<byte>
{
    private const int InitialSize = 16 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <summary>Forgets what was written (to write a refusal instead); the array is kept.</summary>
    public void Clear() => _length = 0;

    /// <summary>A copy of the bytes written, for callers that keep the answer beyond the buffer's life.</summary>
    public byte[] ToArray() => WrittenMemory.ToArray();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureRoom(buffer.Length);
        buffer.CopyTo(_buffer.AsSpan(_length));
        _length += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Room for at least <paramref name="sizeHint"/> bytes (the ceiling is checked as they are committed).</summary>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        // Reserve first: it may replace the array.
        var room = Reserve(sizeHint);
        return _buffer.AsMemory(_length, room);
    }

    /// <inheritdoc cref="GetMemory"/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        var room = Reserve(sizeHint);
        return _buffer.AsSpan(_length, room);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the memory last handed out; past the ceiling, throws.</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if ((long)_length + count > ceiling)
        {
            throw new ResponseTooLargeException(ceiling);
        }

        if (_length + count > _buffer.Length)
        {
            throw new InvalidOperationException("Advanced past the memory handed out.");
        }

        _length += count;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _length = 0;
        }

        base.Dispose(disposing);
    }

    private void EnsureRoom(int count)
    {
        if ((long)_length + count > ceiling)
        {
            throw new ResponseTooLargeException(ceiling);
        }

        Grow(count, ceiling);
    }

    // A writer asks for a few KB more than it may use: near the ceiling it gets them (up to one hint past it, so an answer
    // of exactly the ceiling still fits), and Advance refuses what passes the ceiling.
    private int Reserve(int sizeHint)
    {
        var hint = Math.Max(sizeHint, 1);
        if (_length >= ceiling)
        {
            throw new ResponseTooLargeException(ceiling);
        }

        Grow(hint, ceiling + hint);
        return _buffer.Length - _length;
    }

    private void Grow(int count, long limit)
    {
        var needed = (long)_length + count;
        if (needed <= _buffer.Length)
        {
            return;
        }

        // Grow by doubling, never past the limit (nor past what an array can hold).
        var size = (int)Math.Min(Math.Max(needed, (long)_buffer.Length * 2), Math.Min(limit, Array.MaxLength));
        var larger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
