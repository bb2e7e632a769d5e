using System.Buffers;
using System.Text.Json;
using GraphQL;
using GraphQL.Execution;
using GraphQL.SystemTextJson;

namespace DrsGraph.Gateway.GraphQLHttp;

/// <summary>
/// GraphQL.NET's System.Text.Json serializer, except that a result written into a buffer writer (the answers'
/// <see cref="BoundedResponseBuffer"/>) goes into it as it is produced.
/// </summary>
/// <remarks>
/// GraphQL.NET writes a whole <see cref="ExecutionResult"/> from one converter call, and System.Text.Json can only flush
/// a stream between converter calls: through <see cref="GraphQLSerializer.WriteAsync{T}"/>, every byte of an answer was
/// first held in the serializer's own growing buffer, and the bounded buffer saw the answer only once it was complete.
/// One 40 KB request whose answer was 200 000 field errors took a gateway to 900 MB before the byte ceiling refused it
/// (and three at once ended a process with a 384 MB heap). Written straight into the bounded buffer, the serializer is
/// stopped at the ceiling, and memory stays within it. The interfaces are declared again so that this
/// <c>WriteAsync</c>, not the base class's sealed one, is the one callers reach.
/// </remarks>
public sealed class BufferedGraphQLSerializer(IErrorInfoProvider errorInfoProvider)
    : GraphQLSerializer(errorInfoProvider), IGraphQLSerializer, IGraphQLTextSerializer
{
    public new Task WriteAsync<T>(Stream stream, T? value, CancellationToken cancellationToken = default)
    {
        if (stream is not IBufferWriter<byte> output)
        {
            return base.WriteAsync(stream, value, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        Write(output, value);
        return Task.CompletedTask;
    }

    /// <summary>Writes <paramref name="value"/> into <paramref name="output"/>, which sees each few KB as they are written.</summary>
    public void Write<T>(IBufferWriter<byte> output, T? value)
    {
        var options = SerializerOptions;
        var writer = new Utf8JsonWriter(output, new JsonWriterOptions
        {
            Encoder = options.Encoder,
            Indented = options.WriteIndented,
            MaxDepth = options.MaxDepth,
            // As the serializer's own writer: the converters write well-formed JSON.
            SkipValidation = true,
        });
        try
        {
            JsonSerializer.Serialize(writer, value, options);
            writer.Flush();
        }
        catch
        {
            // Dropped unflushed: disposing would flush the pending bytes into an output that just refused them.
            writer.Reset();
            throw;
        }
        finally
        {
            writer.Dispose();
        }
    }
}
