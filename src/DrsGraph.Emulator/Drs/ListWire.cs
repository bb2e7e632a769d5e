using System.Text.Json.Serialization;

namespace DrsGraph.Emulator.Drs;

// The list call's answer, as the SDKs' ShowJobListResponse and JobInfo / ChildrenJobInfo name it.

/// <summary><c>POST /v3/{project_id}/jobs</c>: the matching jobs' count and the requested page.</summary>
public sealed record ListResponse(
    [property: JsonPropertyName("total_record")] int TotalRecord,
    [property: JsonPropertyName("jobs")] IReadOnlyList<ListJobItem> Jobs);

/// <summary>One job of the list (a subtask has the same shape, with an empty <c>children</c> of its own).</summary>
public sealed record ListJobItem
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("create_time")] public string? CreateTime { get; init; }
    [JsonPropertyName("engine_type")] public string? EngineType { get; init; }
    [JsonPropertyName("net_type")] public string? NetType { get; init; }
    [JsonPropertyName("job_direction")] public string? JobDirection { get; init; }
    [JsonPropertyName("db_use_type")] public string? DbUseType { get; init; }
    [JsonPropertyName("task_type")] public string? TaskType { get; init; }

    // Declared without omitempty in the SDK models, so always sent; their meaning is not documented (emulator choice: false).
    [JsonPropertyName("billing_tag")] public bool BillingTag { get; init; }
    [JsonPropertyName("node_newFramework")] public bool NodeNewFramework { get; init; }
    [JsonPropertyName("children")] public IReadOnlyList<ListJobItem>? Children { get; init; }
}
