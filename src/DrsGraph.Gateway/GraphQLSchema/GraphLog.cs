namespace DrsGraph.Gateway.GraphQLSchema;

internal static partial class GraphLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception while resolving field {Field}")]
    public static partial void UnhandledResolverException(ILogger logger, string? field, Exception exception);
}
