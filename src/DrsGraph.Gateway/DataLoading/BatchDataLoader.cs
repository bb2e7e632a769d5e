using DrsGraph.DrsClient;
using DrsGraph.Gateway.Observability;
using GraphQL.DataLoader;

namespace DrsGraph.Gateway.DataLoading;

/// <summary>Fetches many keys in one go and answers each key with a value or an error.</summary>
public delegate Task<IReadOnlyDictionary<string, DrsResult<TValue>>> BatchFetch<TValue>(
    IReadOnlyList<string> keys, CancellationToken cancellationToken) where TValue : class;

/// <summary>
/// A per-operation DataLoader on GraphQL.NET's <see cref="IDataLoaderResult"/>.
/// </summary>
/// <remarks>
/// GraphQL.NET runs every non-loader resolver of a phase first, then calls
/// <see cref="IDataLoaderResult.GetResultAsync"/> on each pending loader result in turn. So
/// <see cref="Load"/> only registers keys, and the first <c>GetResultAsync</c> dispatches every key
/// registered so far in a single fetch; later calls of the same phase find their key already in flight.
/// Keys are deduplicated, answers are kept for the rest of the operation, except transient failures,
/// which are forgotten so a later phase asks again.
/// </remarks>
public sealed class BatchDataLoader<TValue>(BatchFetch<TValue> fetch) where TValue : class
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Task<DrsResult<TValue>>> _known = new(StringComparer.Ordinal);
    private Dictionary<string, TaskCompletionSource<DrsResult<TValue>>>? _pending;

    /// <summary>How many fetches this loader has dispatched (for tests and metrics).</summary>
    public int DispatchCount { get; private set; }

    /// <summary>Registers <paramref name="key"/> for the next dispatch; nothing is fetched yet.</summary>
    public IDataLoaderResult<DrsResult<TValue>> Load(string key)
    {
        lock (_gate)
        {
            return new PendingResult(this, Register(key));
        }
    }

    /// <summary>
    /// Registers every key for the next dispatch, like <see cref="Load"/> for each; the result answers them
    /// in the order given, duplicates included. For a root field that needs many jobs at once (to filter
    /// or sort them), batched with whatever else the phase loads.
    /// </summary>
    public IDataLoaderResult<IReadOnlyList<DrsResult<TValue>>> LoadMany(IEnumerable<string> keys)
    {
        lock (_gate)
        {
            return new PendingManyResult(this, [.. keys.Select(Register)]);
        }
    }

    /// <summary>Loads <paramref name="keys"/> now: registers them and dispatches every key registered so far.</summary>
    public Task<IReadOnlyList<DrsResult<TValue>>> LoadManyAsync(IEnumerable<string> keys, CancellationToken cancellationToken) =>
        LoadMany(keys).GetResultAsync(cancellationToken);

    // Under _gate.
    private Task<DrsResult<TValue>> Register(string key)
    {
        if (!_known.TryGetValue(key, out var task))
        {
            var completion = new TaskCompletionSource<DrsResult<TValue>>(TaskCreationOptions.RunContinuationsAsynchronously);
            (_pending ??= new Dictionary<string, TaskCompletionSource<DrsResult<TValue>>>(StringComparer.Ordinal))[key] = completion;
            _known[key] = task = completion.Task;
        }

        return task;
    }

    private void Dispatch(CancellationToken cancellationToken)
    {
        Dictionary<string, TaskCompletionSource<DrsResult<TValue>>>? batch;
        lock (_gate)
        {
            batch = _pending;
            _pending = null;
            if (batch is not null)
            {
                DispatchCount++;
            }
        }

        if (batch is not null)
        {
            _ = RunAsync(batch, cancellationToken);
        }
    }

    private async Task RunAsync(Dictionary<string, TaskCompletionSource<DrsResult<TValue>>> batch, CancellationToken cancellationToken)
    {
        using var activity = GatewayTelemetry.StartDataLoaderBatch<TValue>(batch.Count);
        try
        {
            var results = await fetch([.. batch.Keys], cancellationToken);
            foreach (var (key, completion) in batch)
            {
                var result = results.TryGetValue(key, out var found)
                    ? found
                    : DrsResult<TValue>.Failure(new DrsError(DrsErrorCodes.MissingFromResponse, $"No answer for job '{key}'.", DrsErrorKind.Protocol));
                if (result.Error is { IsTransient: true })
                {
                    Forget(key, completion.Task);
                }

                completion.TrySetResult(result);
            }
        }
        catch (Exception exception)
        {
            // A failed batch fails only its own keys, and none of them stays cached.
            foreach (var (key, completion) in batch)
            {
                Forget(key, completion.Task);
                if (exception is OperationCanceledException canceled)
                {
                    completion.TrySetCanceled(canceled.CancellationToken);
                }
                else
                {
                    completion.TrySetException(exception);
                }
            }
        }
    }

    private void Forget(string key, Task<DrsResult<TValue>> task)
    {
        lock (_gate)
        {
            if (_known.TryGetValue(key, out var current) && current == task)
            {
                _known.Remove(key);
            }
        }
    }

    private sealed class PendingResult(BatchDataLoader<TValue> owner, Task<DrsResult<TValue>> task) : IDataLoaderResult<DrsResult<TValue>>
    {
        public Task<DrsResult<TValue>> GetResultAsync(CancellationToken cancellationToken = default)
        {
            owner.Dispatch(cancellationToken);
            return task;
        }

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }

    private sealed class PendingManyResult(BatchDataLoader<TValue> owner, Task<DrsResult<TValue>>[] tasks) : IDataLoaderResult<IReadOnlyList<DrsResult<TValue>>>
    {
        public async Task<IReadOnlyList<DrsResult<TValue>>> GetResultAsync(CancellationToken cancellationToken = default)
        {
            owner.Dispatch(cancellationToken);
            return await Task.WhenAll(tasks);
        }

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }
}
