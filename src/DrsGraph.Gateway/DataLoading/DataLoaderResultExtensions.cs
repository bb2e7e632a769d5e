using GraphQL.DataLoader;

namespace DrsGraph.Gateway.DataLoading;

/// <summary>The <c>Then</c> of GraphQL.DataLoader, which our registry does not serve.</summary>
public static class DataLoaderResultExtensions
{
    /// <summary>Maps the loaded value once it arrives, without dispatching anything early.</summary>
    public static IDataLoaderResult<TOut> Then<TIn, TOut>(this IDataLoaderResult<TIn> result, Func<TIn, TOut> map) =>
        new MappedResult<TIn, TOut>(result, map);

    /// <summary>A value known already (a subscription event's snapshot): nothing to load.</summary>
    public static IDataLoaderResult<T> Completed<T>(T value) => new CompletedResult<T>(value);

    private sealed class CompletedResult<T>(T value) : IDataLoaderResult<T>
    {
        public Task<T> GetResultAsync(CancellationToken cancellationToken = default) => Task.FromResult(value);

        Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => Task.FromResult<object?>(value);
    }

    private sealed class MappedResult<TIn, TOut>(IDataLoaderResult<TIn> inner, Func<TIn, TOut> map) : IDataLoaderResult<TOut>
    {
        public async Task<TOut> GetResultAsync(CancellationToken cancellationToken = default) =>
            map(await inner.GetResultAsync(cancellationToken));

        // GraphQL.NET awaits this one: mapped here, not through the generic method, so a field costs one async state machine, not two.
        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) =>
            map(await inner.GetResultAsync(cancellationToken));
    }
}
