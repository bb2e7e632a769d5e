using System.Text.Json;
using System.Text.RegularExpressions;
using DrsGraph.Emulator.Requests;

namespace DrsGraph.Emulator.Drs;

/// <summary>A batch body as read from the wire, before validation (what the request log shows).</summary>
public sealed record RawBatchRequest(JsonElement? Body, IReadOnlyList<string>? JobIds, LoggedPageReq? PageReq)
{
    public static async Task<RawBatchRequest> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (await JsonBody.ReadAsync(request, cancellationToken) is not { } body)
        {
            return new RawBatchRequest(null, null, null);
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return new RawBatchRequest(body, null, null);
        }

        IReadOnlyList<string>? ids = body.TryGetProperty("jobs", out var jobs) && jobs.ValueKind == JsonValueKind.Array
            ? [.. jobs.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())]
            : null;
        LoggedPageReq? page = body.TryGetProperty("page_req", out var p) && p.ValueKind == JsonValueKind.Object
            ? new LoggedPageReq(JsonBody.IntOrNull(p, "cur_page"), JsonBody.IntOrNull(p, "per_page"))
            : null;
        return new RawBatchRequest(body, ids, page);
    }
}

/// <summary>A validated batch: every ID of the call and those of the requested page, both in request order.</summary>
public sealed record ValidBatch(IReadOnlyList<string> AllIds, IReadOnlyList<string> PageIds);

/// <summary>The service's whole-batch validation, in the order DRS applies it.</summary>
public static partial class BatchValidator
{
    private const int DefaultPerPage = 5;
    private const int MaxPerPage = 100;

    // \z, not $: $ also matches before a final newline, and DRS refuses an ID with one.
    [GeneratedRegex(@"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-z]{12}\z")]
    private static partial Regex JobIdPattern();

    /// <summary>True for an ID DRS would accept (docs/drs-api.md#job-ids; not a strict UUID).</summary>
    public static bool IsValidJobId(string id) => JobIdPattern().IsMatch(id);

    /// <summary>Either the page to answer or an (error_code, error_msg) rejecting the whole batch.</summary>
    public static (ValidBatch? Batch, string? Code, string? Message) Validate(RawBatchRequest raw, bool paged, int maxJobsPerCall)
    {
        if (raw.Body is not { ValueKind: JsonValueKind.Object } body
            || !body.TryGetProperty("jobs", out var jobs) || jobs.ValueKind != JsonValueKind.Array)
        {
            return Reject(DrsErrors.InvalidValue, DrsErrors.InvalidValueMessage);
        }

        var ids = new List<string>();
        foreach (var e in jobs.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String)
            {
                return Reject(DrsErrors.InvalidValue, DrsErrors.InvalidJobIdMessage);
            }

            ids.Add(e.GetString()!);
        }

        if (ids.Count == 0)
        {
            return Reject(DrsErrors.EmptyList, DrsErrors.EmptyListMessage);
        }

        if (maxJobsPerCall > 0 && ids.Count > maxJobsPerCall)
        {
            return Reject(DrsErrors.InvalidValue, $"At most {maxJobsPerCall} jobs can be queried at a time.");
        }

        if (ids.Exists(id => !JobIdPattern().IsMatch(id)))
        {
            return Reject(DrsErrors.InvalidValue, DrsErrors.InvalidJobIdMessage);
        }

        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            return Reject(DrsErrors.Duplicate, DrsErrors.DuplicateMessage);
        }

        if (!paged)
        {
            return (new ValidBatch(ids, ids), null, null);
        }

        int curPage = 1, perPage = DefaultPerPage;
        if (body.TryGetProperty("page_req", out var pageReq) && pageReq.ValueKind != JsonValueKind.Null)
        {
            if (pageReq.ValueKind != JsonValueKind.Object
                || !TryInt(pageReq, "cur_page", ref curPage) || !TryInt(pageReq, "per_page", ref perPage))
            {
                return Reject(DrsErrors.InvalidValue, DrsErrors.InvalidValueMessage);
            }
        }

        if (perPage is < 0 or > MaxPerPage || curPage < 1)
        {
            return Reject(DrsErrors.InvalidPage, DrsErrors.InvalidPageMessage);
        }

        // per_page 0 means everything on one page.
        var size = perPage == 0 ? ids.Count : perPage;
        var pages = (ids.Count + size - 1) / size;
        if (curPage > pages)
        {
            return Reject(DrsErrors.PageOverLimit, DrsErrors.PageOverLimitMessage);
        }

        return (new ValidBatch(ids, ids.Skip((curPage - 1) * size).Take(size).ToList()), null, null);
    }

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

    private static (ValidBatch?, string?, string?) Reject(string code, string message) => (null, code, message);
}
