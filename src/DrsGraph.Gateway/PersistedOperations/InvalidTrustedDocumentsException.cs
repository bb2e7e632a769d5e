namespace DrsGraph.Gateway.PersistedOperations;

/// <summary>A trusted documents folder or manifest that cannot be read or holds a document that does not parse.</summary>
public sealed class InvalidTrustedDocumentsException(string message, Exception? inner = null) : Exception(message, inner);
