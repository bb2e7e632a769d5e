using System.Text.Json;
using DrsGraph.Emulator.Jobs;
using DrsGraph.Emulator.Requests;

namespace DrsGraph.Emulator.Drs;

/// <summary>A list body as read from the wire, before validation (what the request log shows).</summary>
public sealed record RawListRequest(JsonElement? Body, LoggedPageReq? PageReq, LoggedListQuery? Query)
{
    public static async Task<RawListRequest> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (await JsonBody.ReadAsync(request, cancellationToken) is not { } body)
        {
            return new RawListRequest(null, null, null);
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return new RawListRequest(body, null, null);
        }

        var page = new LoggedPageReq(JsonBody.IntOrNull(body, "cur_page"), JsonBody.IntOrNull(body, "per_page"));
        IReadOnlyDictionary<string, string>? tags = body.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Object
            ? t.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal)
            : null;
        var query = new LoggedListQuery(
            JsonBody.StringOrNull(body, "db_use_type"), JsonBody.StringOrNull(body, "name"), JsonBody.StringOrNull(body, "status"), JsonBody.StringOrNull(body, "engine_type"),
            JsonBody.StringOrNull(body, "net_type"), JsonBody.StringOrNull(body, "enterprise_project_id"), tags);
        return new RawListRequest(body, page, query);
    }
}

/// <summary>A validated list query: filters (null = any) and paging (<see cref="PerPage"/> 0 = everything).</summary>
public sealed record ValidListQuery(
    int CurPage,
    int PerPage,
    string DbUseType,
    string? Name,
    IReadOnlySet<string>? Ids,
    string? Status,
    string? EngineType,
    string? NetType,
    string? EnterpriseProjectId,
    IReadOnlyDictionary<string, string>? Tags);

/// <summary>
/// The list call's body validation (docs/drs-api.md#listing-a-projects-jobs): the whole body is rejected
/// with one error code, like the batch calls.
/// </summary>
public static class ListValidator
{
    /// <summary>The API page's default page size (the batch calls' is 5).</summary>
    public const int DefaultPerPage = 10;

    private const int MaxPerPage = 100;
    private const int MaxIds = 100;

    private static readonly string[] UseTypes = ["migration", "sync", "cloudDataGuard"];
    private static readonly string[] NetTypes = ["vpn", "vpc", "eip"];

    /// <summary>Either the query to answer or an (error_code, error_msg) rejecting the call.</summary>
    public static (ValidListQuery? Query, string? Code, string? Message) Validate(RawListRequest raw)
    {
        if (raw.Body is not { ValueKind: JsonValueKind.Object } body)
        {
            return Reject(DrsErrors.InvalidValue, DrsErrors.InvalidValueMessage);
        }

        int curPage = 1, perPage = DefaultPerPage;
        if (!TryInt(body, "cur_page", ref curPage) || !TryInt(body, "per_page", ref perPage))
        {
            return Reject(DrsErrors.InvalidValue, DrsErrors.InvalidValueMessage);
        }

        // per_page 0 means everything, and then only page 0 or 1 makes sense.
        if (perPage is < 0 or > MaxPerPage || curPage < 0 || (perPage > 0 && curPage == 0) || (perPage == 0 && curPage > 1))
        {
            return Reject(DrsErrors.InvalidPage, DrsErrors.InvalidPageMessage);
        }

        if (!TryString(body, "db_use_type", out var useType) || !TryString(body, "name", out var name)
            || !TryString(body, "status", out var status) || !TryString(body, "engine_type", out var engine)
            || !TryString(body, "net_type", out var net) || !TryString(body, "enterprise_project_id", out var eps))
        {
            return Reject(DrsErrors.InvalidValue, DrsErrors.InvalidValueMessage);
        }

        if (string.IsNullOrEmpty(useType))
        {
            return Reject(DrsErrors.InvalidValue, DrsErrors.UseTypeRequiredMessage);
        }

        if (!UseTypes.Contains(useType, StringComparer.Ordinal))
        {
            return Reject(DrsErrors.InvalidValue, DrsErrors.InvalidUseTypeMessage);
        }

        if (!string.IsNullOrEmpty(status) && !JobStatuses.All.Contains(status))
        {
            return Reject(DrsErrors.InvalidValue, DrsErrors.InvalidStatusMessage);
        }

        if (!string.IsNullOrEmpty(net) && !NetTypes.Contains(net, StringComparer.Ordinal))
        {
            return Reject(DrsErrors.InvalidValue, DrsErrors.InvalidNetTypeMessage);
        }

        Dictionary<string, string>? tags = null;
        if (body.TryGetProperty("tags", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            if (t.ValueKind != JsonValueKind.Object || t.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
            {
                return Reject(DrsErrors.InvalidValue, DrsErrors.InvalidValueMessage);
            }

            tags = t.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        }

        // name is a job name, or job IDs separated by commas (emulator choice: IDs when every part is one).
        HashSet<string>? ids = null;
        if (!string.IsNullOrEmpty(name))
        {
            var parts = name.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 0 && parts.All(BatchValidator.IsValidJobId))
            {
                if (parts.Length > MaxIds)
                {
                    return Reject(DrsErrors.InvalidValue, DrsErrors.TooManyIdsMessage);
                }

                ids = new HashSet<string>(parts, StringComparer.Ordinal);
                name = null;
            }
        }

        return (new ValidListQuery(
            curPage, perPage, useType, NullIfEmpty(name), ids, NullIfEmpty(status), NullIfEmpty(engine), NullIfEmpty(net), NullIfEmpty(eps),
            tags is { Count: > 0 } ? tags : null), null, null);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static bool TryInt(JsonElement obj, string name, ref int value)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i))
        {
            value = i;
            return true;
        }

        return false;
    }

    private static bool TryString(JsonElement obj, string name, out string? value)
    {
        value = null;
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (v.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = v.GetString();
        return true;
    }

    private static (ValidListQuery?, string?, string?) Reject(string code, string message) => (null, code, message);
}
