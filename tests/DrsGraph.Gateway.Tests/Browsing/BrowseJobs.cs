using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DrsGraph.Gateway.Tests.Infrastructure;

namespace DrsGraph.Gateway.Tests.Browsing;

/// <summary>Varied jobs for the browsing tests: statuses, task modes, names and progress differ, so filters and orders have something to tell apart.</summary>
internal static class BrowseJobs
{
    private static readonly string[] Statuses = ["FULL_TRANSFER_STARTED", "INCRE_TRANSFER_STARTED", "FULL_TRANSFER_FAILED", "CONFIGURATION", "FULL_TRANSFER_COMPLETE"];
    private static readonly string[] Modes = ["FULL_TRANS", "INCR_TRANS", "FULL_INCR_TRANS"];

    /// <summary>A project of its own, so a test sees only its jobs.</summary>
    public static string NewProject() => Guid.NewGuid().ToString("N");

    /// <summary>Creates <paramref name="count"/> jobs in <paramref name="project"/>, cycling statuses, modes and names; some get a progress.</summary>
    public static async Task<IReadOnlyList<string>> CreateAsync(TestEmulator emulator, string project, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var response = await emulator.Control.PostAsJsonAsync("/_emulator/jobs", new
            {
                projectId = project,
                count = 1,
                status = Statuses[i % Statuses.Length],
                taskMode = ModeFor(Statuses[i % Statuses.Length], Modes[i % Modes.Length]),
                name = $"job-{(char)('a' + (i * 7 % 26))}-{i:D3}",
                dbUseType = i % 4 == 3 ? "sync" : "migration",
                frozen = true,
            });
            response.EnsureSuccessStatusCode();
            var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["jobs"]![0]!["id"]!.GetValue<string>();
            ids.Add(id);
            if (i % 15 == 0)
            {
                (await emulator.Control.PostAsJsonAsync($"/_emulator/jobs/{id}/transition", new { projectId = project, progress = (i * 13 % 99) + 1, frozen = true })).EnsureSuccessStatusCode();
            }
        }

        return ids;
    }

    /// <summary>The cycled mode, unless a job of it can never be in <paramref name="status"/> (a full-only job has no incremental phase, an incremental-only one no full phase): then full and incremental.</summary>
    private static string ModeFor(string status, string mode) =>
        (mode == "FULL_TRANS" && status.StartsWith("INCRE_", StringComparison.Ordinal)) || (mode == "INCR_TRANS" && status.StartsWith("FULL_TRANSFER_", StringComparison.Ordinal))
            ? "FULL_INCR_TRANS"
            : mode;

    public static Dictionary<string, string> Headers(string project) => new() { ["X-Project-Id"] = project };

    /// <summary>
    /// Pages a connection from its first page to its last with <c>first</c>/<c>after</c>, then from its last
    /// to its first with <c>last</c>/<c>before</c> (page sizes that differ put the page boundaries elsewhere), and returns the node IDs each walk saw, both in list order.
    /// <paramref name="fieldOpen"/> is the field up to its arguments' end, without the closing parenthesis
    /// (e.g. <c>projectJobs(where: { ... }</c>); every page must answer without errors.
    /// </summary>
    public static async Task<(List<string> Forwards, List<string> Backwards)> WalkAsync(
        Func<string, Task<GraphQLAnswer>> query, string fieldName, string fieldOpen, int first, int last, Action<JsonNode>? eachPage = null)
    {
        var forwards = new List<string>();
        string? after = null;
        bool more;
        do
        {
            var page = (await query($"{{ {fieldOpen}, first: {first}{(after is null ? "" : $", after: \"{after}\"")}) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ id }} }} }} }}"))
                .AssertNoErrors().Data![fieldName]!;
            eachPage?.Invoke(page);
            forwards.AddRange(page["edges"]!.AsArray().Select(e => e!["node"]!["id"]!.GetValue<string>()));
            more = page["pageInfo"]!["hasNextPage"]!.GetValue<bool>();
            after = page["pageInfo"]!["endCursor"]?.GetValue<string>();
        }
        while (more);

        var backwards = new List<string>();
        string? before = null;
        do
        {
            var page = (await query($"{{ {fieldOpen}, last: {last}{(before is null ? "" : $", before: \"{before}\"")}) {{ totalCount pageInfo {{ hasPreviousPage startCursor }} nodes {{ id }} }} }}"))
                .AssertNoErrors().Data![fieldName]!;
            eachPage?.Invoke(page);
            backwards.InsertRange(0, page["nodes"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()));
            more = page["pageInfo"]!["hasPreviousPage"]!.GetValue<bool>();
            before = page["pageInfo"]!["startCursor"]?.GetValue<string>();
        }
        while (more);

        return (forwards, backwards);
    }
}
