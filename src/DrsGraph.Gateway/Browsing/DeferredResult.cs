using GraphQL.DataLoader;

namespace DrsGraph.Gateway.Browsing;

/// <summary>
/// Work a browsing root field finishes in the DataLoader phase: its keys are registered when the resolver
/// runs, so they go out in the same batch calls as every other field of the phase.
/// </summary>
public sealed class DeferredResult<T>(Func<CancellationToken, Task<T>> run) : IDataLoaderResult<T>
{
    public Task<T> GetResultAsync(CancellationToken cancellationToken = default) => run(cancellationToken);

    async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await run(cancellationToken);
}
