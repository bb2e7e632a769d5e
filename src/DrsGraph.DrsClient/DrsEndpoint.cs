using System.Text.Json.Serialization.Metadata;
using DrsGraph.DrsClient.Wire;

namespace DrsGraph.DrsClient;

/// <summary>
/// What differs between the three batch calls: path, paging, and how to read an item's ID, data
/// and error. Everything else (chunking, errors, logging) is shared by <see cref="DrsClient"/>.
/// </summary>
internal sealed record DrsEndpoint<T>(
    string Name,
    string Path,
    bool IsPaged,
    JsonTypeInfo<T> ItemType,
    JsonTypeInfo<BatchResponseWire<T>> BatchType,
    string IdProperty,
    Func<T, string?> IdOf,
    Func<T, bool> HasData,
    Func<T, string?> ErrorCodeOf,
    Func<T, string?> ErrorMessageOf)
    where T : class;

internal static class DrsEndpoints
{
    public static readonly DrsEndpoint<JobStatusWire> Status = new(
        "status",
        "batch-status",
        IsPaged: true,
        DrsWireJsonContext.Default.JobStatusWire,
        DrsWireJsonContext.Default.BatchResponseWireJobStatusWire,
        "id",
        static s => s.Id,
        static s => !string.IsNullOrEmpty(s.Status),
        static s => s.ErrorCode,
        static s => s.Message);

    public static readonly DrsEndpoint<JobProgressWire> Progress = new(
        "progress",
        "batch-progress",
        IsPaged: false,
        DrsWireJsonContext.Default.JobProgressWire,
        DrsWireJsonContext.Default.BatchResponseWireJobProgressWire,
        "job_id",
        static p => p.JobId,
        static p => !string.IsNullOrEmpty(p.Progress) || !string.IsNullOrEmpty(p.TransferStatus),
        static p => p.ErrorCode,
        static p => p.Message);

    public static readonly DrsEndpoint<JobDetailWire> Detail = new(
        "detail",
        "batch-detail",
        IsPaged: true,
        DrsWireJsonContext.Default.JobDetailWire,
        DrsWireJsonContext.Default.BatchResponseWireJobDetailWire,
        "id",
        static d => d.Id,
        static d => !string.IsNullOrEmpty(d.Name) || !string.IsNullOrEmpty(d.Status),
        static d => d.ErrorCode,
        static d => d.Message);
}
