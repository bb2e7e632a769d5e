using System.Text.Json.Serialization;

namespace DrsGraph.DrsClient.Wire;

/// <summary>One item of <c>POST /v3/{project_id}/jobs/batch-progress</c>, exactly as on the wire.</summary>
/// <remarks>
/// Numbers arrive as strings: <c>progress</c> without "%", <c>incre_trans_delay</c> in seconds with
/// "-1" for not applicable, <c>process_time</c> in epoch milliseconds with "0" for not applicable.
/// Note <c>error_msg</c> here where the other two endpoints say <c>error_message</c>; the other spelling is read too.
/// </remarks>
public sealed record JobProgressWire(
    [property: JsonPropertyName("job_id")] string? JobId,
    [property: JsonPropertyName("progress")] string? Progress,
    [property: JsonPropertyName("incre_trans_delay")] string? IncreTransDelay,
    [property: JsonPropertyName("incre_trans_delay_millis")] string? IncreTransDelayMillis,
    [property: JsonPropertyName("task_mode")] string? TaskMode,
    [property: JsonPropertyName("transfer_status")] string? TransferStatus,
    [property: JsonPropertyName("process_time")] string? ProcessTime,
    [property: JsonPropertyName("remaining_time")] string? RemainingTime,
    [property: JsonPropertyName("progress_map"), JsonConverter(typeof(LenientMapConverter<ProgressInfoWire>))] IReadOnlyDictionary<string, ProgressInfoWire>? ProgressMap,
    [property: JsonPropertyName("error_code")] string? ErrorCode,
    [property: JsonPropertyName("error_msg")] string? ErrorMsg,
    [property: JsonPropertyName("error_message")] string? ErrorMessage = null)
{
    /// <summary>The item's error message under either spelling; this call's documented <c>error_msg</c> wins.</summary>
    [JsonIgnore] public string? Message => WireText.FirstOf(ErrorMsg, ErrorMessage);
}

/// <summary>A phase of <c>progress_map</c> (an object keyed by phase name, not the array the pages claim).</summary>
public sealed record ProgressInfoWire(
    [property: JsonPropertyName("completed")] string? Completed,
    [property: JsonPropertyName("remaining_time")] string? RemainingTime);
