namespace DrsGraph.Gateway.Callers;

/// <summary>
/// Decides who an operation calls DRS as, once per operation, from the caller's headers (a WebSocket's merged
/// with its <c>connection_init</c> payload). By default the caller's own <c>X-Auth-Token</c> is passed through
/// (<see cref="HeaderCallerResolver"/>); with service identities on, a validated JWT picks a credential the
/// gateway holds (<see cref="ServiceIdentity.ServiceCallerResolver"/>).
/// </summary>
public interface ICallerResolver
{
    ValueTask<CallerContext> ResolveAsync(IHeaderDictionary callerHeaders, CancellationToken cancellationToken);
}
