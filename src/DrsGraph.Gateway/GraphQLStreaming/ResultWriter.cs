using DrsGraph.Gateway.Errors;
using System.Text;
using System.Text.Json;
using DrsGraph.Gateway.GraphQLHttp;
using GraphQL;

namespace DrsGraph.Gateway.GraphQLStreaming;

/// <summary>Serializes results for the streaming transports, bounded like HTTP answers (<c>GraphQL:Http:MaxResponseBytes</c>).</summary>
internal sealed class ResultWriter(IGraphQLSerializer serializer, long maxBytes)
{
    /// <summary>The result as JSON; past the ceiling, a <c>RESPONSE_TOO_LARGE</c> error instead, as over HTTP.</summary>
    public async Task<byte[]> SerializeAsync(ExecutionResult result, CancellationToken cancellationToken)
    {
        using var buffer = new BoundedResponseBuffer(maxBytes);
        try
        {
            await serializer.WriteAsync(buffer, result, cancellationToken);
        }
        catch (ResponseTooLargeException ex)
        {
            buffer.Clear();
            var refusal = new ExecutionResult { Errors = [new ExecutionError(ex.Message + " Ask for fewer jobs or fewer fields.") { Code = GatewayErrorCodes.ResponseTooLarge }] };
            await serializer.WriteAsync(buffer, refusal, cancellationToken);
        }

        return buffer.ToArray();
    }

    /// <summary>The <c>errors</c> array of a result, for graphql-transport-ws's <c>error</c> message.</summary>
    public async Task<byte[]> SerializeErrorsAsync(ExecutionResult result, CancellationToken cancellationToken)
    {
        var json = await SerializeAsync(new ExecutionResult { Errors = result.Errors ?? [new ExecutionError("The operation failed.")] }, cancellationToken);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("errors", out var errors)
            ? Encoding.UTF8.GetBytes(errors.GetRawText())
            : "[]"u8.ToArray();
    }

    public static ExecutionResult Error(string message, string? code = null) =>
        new() { Errors = [new ExecutionError(message) { Code = code }] };
}
