using System.Text.Json;

namespace DrsGraph.Emulator.Faults;

/// <summary><c>/_emulator/faults</c>: switch latency, failures, throttling and hangs on and off.</summary>
public static class FaultsControlApi
{
    private static readonly string[] KnownEndpoints = ["status", "progress", "detail", "list"];

    /// <summary>Longest injected delay (latency and jitter together): an hour.</summary>
    private const int MaxDelayMs = 3_600_000;

    public static IEndpointRouteBuilder MapFaultsControlApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/_emulator/faults", (FaultInjector faults) => Results.Json(faults.Current));
        routes.MapPut("/_emulator/faults", async (HttpRequest request, FaultInjector faults, CancellationToken cancellationToken) =>
        {
            FaultSettings? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync<FaultSettings>(request.Body, JsonSerializerOptions.Web, cancellationToken);
            }
            catch (JsonException e)
            {
                return Results.BadRequest(new { error = "The body is not a valid faults object: " + e.Message });
            }

            body ??= new FaultSettings();
            var error = Validate(body);
            if (error is not null)
            {
                return Results.BadRequest(new { error });
            }

            faults.Set(body);
            return Results.Json(faults.Current);
        });
        routes.MapDelete("/_emulator/faults", (FaultInjector faults) =>
        {
            faults.Clear();
            return Results.NoContent();
        });
        return routes;
    }

    private static string? Validate(FaultSettings s)
    {
        static bool IsRate(double r) => r is >= 0 and <= 1;
        if (!IsRate(s.FailureRate) || !IsRate(s.ThrottleRate) || !IsRate(s.HangRate))
        {
            return "failureRate, throttleRate and hangRate must be between 0 and 1.";
        }

        if (s.FailureStatus is < 400 or > 599)
        {
            return "failureStatus must be an HTTP error status (400..599).";
        }

        if (string.IsNullOrWhiteSpace(s.FailureCode))
        {
            return "failureCode must not be empty.";
        }

        if (s.LatencyMs < 0 || s.JitterMs < 0 || s.RetryAfterSeconds < 0 || s.FailNext < 0 || s.ThrottleNext < 0 || s.HangNext < 0 || s.ListMoveNext < 0)
        {
            return "latencyMs, jitterMs, retryAfterSeconds, failNext, throttleNext, hangNext and listMoveNext must not be negative.";
        }

        if ((long)s.LatencyMs + s.JitterMs > MaxDelayMs)
        {
            // Int32.MaxValue as jitterMs overflowed and made every DRS call a 500.
            return $"latencyMs + jitterMs must be at most {MaxDelayMs} (an hour).";
        }

        if (s.ListMoveStatus is null || !Jobs.JobStatuses.All.Contains(s.ListMoveStatus))
        {
            return $"listMoveStatus must be a DRS job status (e.g. {Jobs.JobStatuses.Pausing}).";
        }

        if (s.Endpoints is null)
        {
            return "endpoints must be a list of status, progress, detail, list.";
        }

        var unknown = s.Endpoints.Where(e => !KnownEndpoints.Contains(e)).ToList();
        return unknown.Count > 0
            ? $"Unknown endpoint name(s): {string.Join(", ", unknown)}. Use status, progress, detail, list."
            : null;
    }
}
