using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DrsGraph.Gateway.Observability;

/// <summary>
/// The gateway's own spans and instruments. Static, like every library's: the DataLoader and the
/// GraphQL execution hook call them in one line, and OpenTelemetry subscribes by name.
/// </summary>
public static class GatewayTelemetry
{
    /// <summary>Spans around GraphQL operations.</summary>
    public const string GraphQLSourceName = "DrsGraph.GraphQL";

    /// <summary>Spans around DataLoader batches.</summary>
    public const string DataLoaderSourceName = "DrsGraph.DataLoader";

    /// <summary>Operation durations and DataLoader batch sizes.</summary>
    public const string MeterName = "DrsGraph.Gateway";

    internal static readonly ActivitySource GraphQLSource = new(GraphQLSourceName);
    private static readonly ActivitySource DataLoaderSource = new(DataLoaderSourceName);
    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "drsgraph.dataloader.batch.size", "{key}", "Distinct keys one DataLoader dispatch fetched together, by loader.");

    internal static readonly Histogram<double> OperationDuration = Meter.CreateHistogram(
        "drsgraph.graphql.operation.duration", "s", "Time to execute one GraphQL operation, by operation type and whether it had errors.", tags: null,
        // The DRS client's bounds in seconds: operations and DRS calls are read on one scale.
        advice: DrsClient.DrsClientTelemetry.SecondsAdvice);

    /// <summary>Open long-lived GraphQL connections, by <c>transport</c> (websocket, sse).</summary>
    internal static readonly UpDownCounter<long> OpenConnections = Meter.CreateUpDownCounter<long>(
        "drsgraph.graphql.connections", "{connection}", "Open GraphQL WebSocket and SSE connections, by transport.");

    /// <summary>Subscriptions streaming results, by <c>transport</c>.</summary>
    internal static readonly UpDownCounter<long> ActiveSubscriptions = Meter.CreateUpDownCounter<long>(
        "drsgraph.graphql.subscriptions", "{subscription}", "Active GraphQL subscriptions, by transport.");

    /// <summary>Results sent on long-lived connections (every next message or event), by <c>transport</c>.</summary>
    internal static readonly Counter<long> EventsSent = Meter.CreateCounter<long>(
        "drsgraph.graphql.events.sent", "{event}", "GraphQL results sent over WebSocket and SSE connections, by transport.");

    /// <summary>Connections closed as they were accepted: the replica held <c>Gateway:Limits:MaxConnections</c>.</summary>
    internal static readonly Counter<long> ConnectionsRefused = Meter.CreateCounter<long>(
        "drsgraph.connections.refused", "{connection}", "Connections closed as they were accepted because the replica held Gateway:Limits:MaxConnections.");

    /// <summary>
    /// Starts the span of one DataLoader dispatch and records its size. <typeparamref name="TValue"/>
    /// names the loader (JobStatusInfo, JobProgress, JobDetail): the DRS endpoint, chunks and pages
    /// are on the client's child spans, because a cache may answer part of the batch without DRS.
    /// </summary>
    public static Activity? StartDataLoaderBatch<TValue>(int keys)
    {
        var loader = LoaderName(typeof(TValue));
        BatchSize.Record(keys, new KeyValuePair<string, object?>("loader", loader));
        var activity = DataLoaderSource.StartActivity($"DataLoader {loader}");
        activity?.SetTag("drsgraph.dataloader.loader", loader);
        activity?.SetTag("drsgraph.dataloader.batch_size", keys);
        return activity;
    }

    /// <summary>A loader is named after the job field it loads (JobStatusInfo), not the envelope that carries its freshness.</summary>
    private static string LoaderName(Type value) =>
        value.IsGenericType && value.GetGenericTypeDefinition() == typeof(Jobs.Fetched<>) ? value.GetGenericArguments()[0].Name : value.Name;
}
