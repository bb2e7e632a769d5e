using System.Text.Json.Serialization;

namespace DrsGraph.DrsClient.Wire;

// The list call, POST /v3/{project_id}/jobs, as the SDKs' QueryJobsReq, ShowJobListResponse and
// JobInfo / ChildrenJobInfo models name it (docs/drs-api.md#listing-a-projects-jobs).

/// <summary>Request body of the list call. Paging and the use type are always sent; filters only when set.</summary>
public sealed record JobListRequestWire(
    [property: JsonPropertyName("cur_page")] int CurPage,
    [property: JsonPropertyName("per_page")] int PerPage,
    [property: JsonPropertyName("db_use_type")] string DbUseType,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("engine_type")] string? EngineType,
    [property: JsonPropertyName("net_type")] string? NetType,
    [property: JsonPropertyName("enterprise_project_id")] string? EnterpriseProjectId,
    [property: JsonPropertyName("tags")] IReadOnlyDictionary<string, string>? Tags);

/// <summary>The list call's answer: how many jobs match in all, and the page's jobs.</summary>
public sealed record JobListResponseWire(
    [property: JsonPropertyName("total_record"), JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] int? TotalRecord,
    [property: JsonPropertyName("jobs")] CappedItems<JobListItemWire>? Jobs)
{
    /// <summary>Items the reader left out for naming no DRS job ID: they count in <see cref="TotalRecord"/> all the same.</summary>
    [JsonIgnore]
    public int Unnamed { get; init; }
}

/// <summary>One job of the list, exactly as on the wire; <c>children</c> are its subtasks in the same shape.</summary>
/// <remarks>Strings on purpose, as in the batch records: DRS enums are open and times are epoch-ms strings.</remarks>
public sealed record JobListItemWire
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("create_time")] public string? CreateTime { get; init; }
    [JsonPropertyName("engine_type")] public string? EngineType { get; init; }
    [JsonPropertyName("net_type")] public string? NetType { get; init; }
    [JsonPropertyName("job_direction")] public string? JobDirection { get; init; }
    [JsonPropertyName("db_use_type")] public string? DbUseType { get; init; }
    [JsonPropertyName("task_type")] public string? TaskType { get; init; }
    [JsonPropertyName("error_msg")] public string? ErrorMsg { get; init; }
    [JsonPropertyName("children")] public IReadOnlyList<JobListItemWire>? Children { get; init; }
}
