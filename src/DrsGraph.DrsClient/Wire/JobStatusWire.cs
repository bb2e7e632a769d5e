using System.Text.Json.Serialization;

namespace DrsGraph.DrsClient.Wire;

/// <summary>One item of <c>POST /v3/{project_id}/jobs/batch-status</c>, exactly as on the wire.</summary>
/// <remarks>
/// Status is a string on purpose: DRS enums are open and gain values over time. The message is documented as
/// <c>error_message</c> here; <c>error_msg</c> (batch-progress's spelling, and that of plain error bodies) is read too.
/// </remarks>
public sealed record JobStatusWire(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("error_code")] string? ErrorCode,
    [property: JsonPropertyName("error_message")] string? ErrorMessage,
    [property: JsonPropertyName("error_msg")] string? ErrorMsg = null)
{
    /// <summary>The item's error message under either spelling; the documented <c>error_message</c> wins.</summary>
    [JsonIgnore] public string? Message => WireText.FirstOf(ErrorMessage, ErrorMsg);
}

/// <summary>Helpers shared by the wire records.</summary>
internal static class WireText
{
    /// <summary><paramref name="preferred"/> unless it is missing or empty, else <paramref name="fallback"/>.</summary>
    public static string? FirstOf(string? preferred, string? fallback) => string.IsNullOrEmpty(preferred) ? fallback : preferred;
}

/// <summary>Paging object of batch-status and batch-detail. Both members are optional on the wire.</summary>
public sealed record PageReqWire(
    [property: JsonPropertyName("cur_page")] int? CurPage,
    [property: JsonPropertyName("per_page")] int? PerPage);

/// <summary>Request body of batch-status and batch-detail (batch-progress has no paging).</summary>
public sealed record BatchRequestWire(
    [property: JsonPropertyName("jobs")] IReadOnlyList<string> Jobs,
    [property: JsonPropertyName("page_req"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PageReqWire? PageReq);

/// <summary>Every batch answer is <c>{count, results}</c>; <c>count</c> is not documented well enough to rely on.</summary>
public sealed record BatchResponseWire<T>(
    [property: JsonPropertyName("count")] int? Count,
    [property: JsonPropertyName("results")] CappedItems<T>? Results);

/// <summary>
/// The plain error body: <c>{"error_code","error_msg","request_id"?}</c>. Some gateways answer
/// <c>error_message</c> instead of <c>error_msg</c>; both are read.
/// </summary>
public sealed record ErrorWire(
    [property: JsonPropertyName("error_code")] string? ErrorCode,
    [property: JsonPropertyName("error_msg")] string? ErrorMsg,
    [property: JsonPropertyName("error_message")] string? ErrorMessage,
    [property: JsonPropertyName("request_id")] string? RequestId);
