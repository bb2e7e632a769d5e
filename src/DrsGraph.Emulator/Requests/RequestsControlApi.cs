namespace DrsGraph.Emulator.Requests;

/// <summary><c>/_emulator/requests</c>: what the emulator was asked, for tests that count upstream calls.</summary>
public static class RequestsControlApi
{
    public static IEndpointRouteBuilder MapRequestsControlApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/_emulator/requests", (RequestLog log) => Results.Json(new { requests = log.Snapshot() }));
        routes.MapDelete("/_emulator/requests", (RequestLog log) =>
        {
            log.Clear();
            return Results.NoContent();
        });
        return routes;
    }
}
