using GraphQL;
using GraphQL.Transport;

namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>
/// What a request's document turned out to be: the request to execute, or the error that refuses it; and for an automatic
/// persisted query sent with its text, the registration to store once the document has parsed and validated.
/// </summary>
public readonly record struct PersistedResolution(GraphQLRequest? Request, ExecutionError? Error, PersistedRegistration? Registration = null);

/// <summary>A document text and its SHA-256 hash, to be stored by <see cref="PersistedOperationResolver.RegisterAsync"/>.</summary>
public sealed record PersistedRegistration(string Hash, string Document);
