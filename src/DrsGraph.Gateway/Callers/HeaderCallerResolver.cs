namespace DrsGraph.Gateway.Callers;

/// <summary>The default: the caller's <c>X-Auth-Token</c>, <c>X-Project-Id</c> and <c>X-Language</c>, forwarded to DRS.</summary>
public sealed class HeaderCallerResolver(CallerContextBuilder callers) : ICallerResolver
{
    public ValueTask<CallerContext> ResolveAsync(IHeaderDictionary callerHeaders, CancellationToken cancellationToken) =>
        ValueTask.FromResult(callers.Build(callerHeaders));
}
