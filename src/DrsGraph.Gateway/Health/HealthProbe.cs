namespace DrsGraph.Gateway.Health;

/// <summary>
/// <c>dotnet DrsGraph.Gateway.dll --health-probe</c>: GETs this container's <c>/health/live</c> and
/// exits 0 or 1, for Docker's HEALTHCHECK. The ASP.NET runtime image has no curl or wget, and adding
/// them to the image only for this would grow the attack surface.
/// </summary>
public static class HealthProbe
{
    public const string Argument = "--health-probe";

    /// <summary>Overrides the probed URL (default: <c>http://127.0.0.1:{first ASPNETCORE_HTTP_PORTS port, else 8080}/health/live</c>).</summary>
    public const string UrlVariable = "HEALTH_PROBE_URL";

    /// <summary>Docker's own timeout kills a hung probe too; this one reports why.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static bool IsRequested(string[] args) => args.Contains(Argument, StringComparer.Ordinal);

    /// <summary>The URL probed when none is given: <see cref="UrlVariable"/>, else this container's liveness endpoint.</summary>
    public static Uri DefaultUrl() => new(Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } configured ? configured : LocalLiveUrl());

    /// <returns>The process exit code: 0 when the gateway answered 2xx.</returns>
    public static async Task<int> RunAsync(Uri url, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            await Console.Out.WriteLineAsync($"{url}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"{url}: {exception.Message}");
            return 1;
        }
    }

    private static string LocalLiveUrl()
    {
        // The aspnet images set ASPNETCORE_HTTP_PORTS=8080; it may list several ports ("8080;8081").
        var ports = Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS") ?? "";
        var first = ports.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "8080";
        return $"http://127.0.0.1:{first}{HealthExtensions.LivePath}";
    }
}
