using GraphQL;
using GraphQL.Transport;

namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>What a request's document turned out to be: the request to execute, or the error that refuses it.</summary>
public readonly record struct PersistedResolution(GraphQLRequest? Request, ExecutionError? Error);
