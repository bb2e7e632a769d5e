using DrsGraph.DrsClient;
using DrsGraph.Gateway.Jobs;

namespace DrsGraph.Gateway.DataSources;

/// <summary>Straight to DRS: one batch call per endpoint (chunked by the client). No freshness: nothing here is cached.</summary>
public sealed class DrsJobDataSource(IDrsClient client) : IJobDataSource
{
    public async Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobStatusInfo>>>> GetStatusesAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        Map(await client.GetStatusesAsync(caller, jobIds, cancellationToken), (_, wire) => JobMapper.ToStatus(wire));

    public async Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobProgress>>>> GetProgressAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        Map(await client.GetProgressAsync(caller, jobIds, cancellationToken), (_, wire) => JobMapper.ToProgress(wire));

    public async Task<IReadOnlyDictionary<string, DrsResult<Fetched<JobDetail>>>> GetDetailsAsync(DrsCaller caller, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        Map(await client.GetDetailsAsync(caller, jobIds, cancellationToken), JobMapper.ToDetail);

    private static Dictionary<string, DrsResult<Fetched<TOut>>> Map<TWire, TOut>(DrsBatch<TWire> batch, Func<string, TWire, TOut> map)
        where TWire : class
        where TOut : class
    {
        var mapped = new Dictionary<string, DrsResult<Fetched<TOut>>>(batch.Results.Count, StringComparer.Ordinal);
        foreach (var (id, result) in batch.Results)
        {
            mapped[id] = result.Value is { } wire ? MapOne(id, wire, map) : DrsResult<Fetched<TOut>>.Failure(result.Error!);
        }

        return mapped;
    }

    /// <summary>
    /// A job whose answer cannot be mapped fails alone, as a protocol error: transient, so never cached,
    /// where an exception would fail the whole batch.
    /// </summary>
    private static DrsResult<Fetched<TOut>> MapOne<TWire, TOut>(string id, TWire wire, Func<string, TWire, TOut> map)
        where TWire : class
        where TOut : class
    {
        try
        {
            return DrsResult<Fetched<TOut>>.Success(new Fetched<TOut>(map(id, wire), null));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever the mapping could not take (a null DRS put in a list, a value out of range): this job's answer only.
            return DrsResult<Fetched<TOut>>.Failure(new DrsError(DrsErrorCodes.UnreadableResponse,
                $"DRS answered this job with data the gateway could not map ({ex.GetType().Name}).", DrsErrorKind.Protocol));
        }
    }
}
