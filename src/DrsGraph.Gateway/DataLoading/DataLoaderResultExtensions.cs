using GraphQL.DataLoader;

namespace DrsGraph.Gateway.DataLoading;

/// <summary>The <c>Then</c> of GraphQL.DataLoader, which our registry does not serve.</summary>
public static class DataLoaderResultExtensions
{
    /// <summary>Maps the loaded value once it arrives, without dispatching anything early.</summary>
    public static IDataLoaderResult<TOut> Then<TIn, TOut>(this IDataLoaderResult<TIn> result, Func<TIn, TOut> map) =>
        new MappedResult<TIn, TOut>(result, map);

    private sealed class MappedResult<TIn, TOut>(IDataLoaderResult<TIn> inner, Func<TIn, TOut> map) : IDataLoaderResult<TOut>
    {
        public async Task<TOut> GetResultAsync(CancellationToken cancellationToken = default) =>
            map(await inner.GetResultAsync(cancellationToken));

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }
}
