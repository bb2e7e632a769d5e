using GraphQL;

namespace DrsGraph.Gateway.Errors;

/// <summary>
/// An error whose cause was logged where it was raised (a rate-limit refusal logs which bucket refused): the operation
/// telemetry's "answered with errors" line would be a second line for the same fault, so it skips an operation whose
/// errors are all of this kind.
/// </summary>
internal sealed class LoggedExecutionError(string message) : ExecutionError(message);
