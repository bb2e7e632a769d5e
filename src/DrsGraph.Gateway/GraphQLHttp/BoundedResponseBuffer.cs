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
internal sealed class BoundedResponseBuffer(long ceiling) : MemoryStream
{
    public override void Write(byte[] buffer, int offset, int count)
    {
        EnsureRoom(count);
        base.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureRoom(buffer.Length);
        base.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        EnsureRoom(count);
        return base.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureRoom(buffer.Length);
        return base.WriteAsync(buffer, cancellationToken);
    }

    public override void WriteByte(byte value)
    {
        EnsureRoom(1);
        base.WriteByte(value);
    }

    private void EnsureRoom(int count)
    {
        if (Length + count > ceiling)
        {
            throw new ResponseTooLargeException(ceiling);
        }
    }
}
