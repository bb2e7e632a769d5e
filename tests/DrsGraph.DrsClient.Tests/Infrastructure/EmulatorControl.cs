using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DrsGraph.DrsClient.Tests.Infrastructure;

/// <summary>Typed access to the emulator's <c>/_emulator</c> control API (faults, request log, jobs).</summary>
public sealed class EmulatorControl(Uri baseAddress) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http = new() { BaseAddress = baseAddress };

    public async Task ResetAsync()
    {
        using var response = await _http.PostAsync(new Uri("_emulator/reset", UriKind.Relative), null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>PUT /_emulator/faults with camelCase properties as documented by the emulator.</summary>
    public async Task SetFaultsAsync(object faults)
    {
        using var response = await _http.PutAsJsonAsync(new Uri("_emulator/faults", UriKind.Relative), faults, Json);
        Assert.True(response.IsSuccessStatusCode, $"Setting faults failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task ClearRequestsAsync()
    {
        using var response = await _http.DeleteAsync(new Uri("_emulator/requests", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    public async Task<IReadOnlyList<LoggedRequest>> GetRequestsAsync()
    {
        var log = await _http.GetFromJsonAsync<RequestLog>(new Uri("_emulator/requests", UriKind.Relative), Json);
        return log?.Requests ?? [];
    }

    /// <summary>The request log as raw text, to prove what is NOT in it.</summary>
    public Task<string> GetRequestsRawAsync() => _http.GetStringAsync(new Uri("_emulator/requests", UriKind.Relative));

    public Task<IReadOnlyList<EmulatorJob>> CreateJobsAsync(int count, string status = "CREATING", bool frozen = true, string projectId = EmulatorFixture.DemoProject) =>
        CreateJobsAsync(new { projectId, count, status, frozen });

    /// <summary>Creates jobs with the given IDs (the emulator's own ID generator is per project, so IDs can repeat across projects).</summary>
    public Task<IReadOnlyList<EmulatorJob>> CreateJobsAsync(IReadOnlyList<string> ids, string projectId, string status = "CREATING") =>
        CreateJobsAsync(new { projectId, ids, status, frozen = true });

    /// <summary>POST /_emulator/jobs with any members the emulator documents (dbUseType, parentId, ...).</summary>
    public async Task<IReadOnlyList<EmulatorJob>> CreateJobsAsync(object request)
    {
        using var response = await _http.PostAsJsonAsync(new Uri("_emulator/jobs", UriKind.Relative), request, Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JobList>(Json);
        return created?.Jobs ?? [];
    }

    public async Task<IReadOnlyList<EmulatorJob>> ListJobsAsync(string projectId = EmulatorFixture.DemoProject)
    {
        var list = await _http.GetFromJsonAsync<JobList>(new Uri($"_emulator/jobs?projectId={projectId}", UriKind.Relative), Json);
        return list?.Jobs ?? [];
    }

    public async Task DeleteJobAsync(string id)
    {
        using var response = await _http.DeleteAsync(new Uri($"_emulator/jobs/{id}", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _http.Dispose();

    private sealed record RequestLog(List<LoggedRequest>? Requests);

    private sealed record JobList(List<EmulatorJob>? Jobs);
}

/// <summary>One upstream call as the emulator saw it (never with the token).</summary>
public sealed record LoggedRequest(
    long Sequence,
    DateTimeOffset ReceivedAt,
    string Endpoint,
    string ProjectId,
    IReadOnlyList<string>? JobIds,
    LoggedPageReq? PageReq,
    string? Language,
    int? StatusCode, // null while the emulator is still answering (a hang the client has just given up on)
    string? Fault,
    LoggedListQuery? ListQuery = null);

/// <summary>The filters of a logged list call.</summary>
public sealed record LoggedListQuery(
    string? DbUseType, string? Name, string? Status, string? EngineType, string? NetType, string? EnterpriseProjectId,
    IReadOnlyDictionary<string, string>? Tags);

public sealed record LoggedPageReq(int? CurPage, int? PerPage);

public sealed record EmulatorJob(string Id, string ProjectId, string? Name, string Status, string? TaskMode, bool Deleted);
