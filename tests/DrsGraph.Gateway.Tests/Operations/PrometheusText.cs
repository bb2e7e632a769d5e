using System.Globalization;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>Reads the Prometheus text exposition format just enough to sum a metric's samples.</summary>
public static class PrometheusText
{
    /// <summary>
    /// Scrapes <c>/metrics</c> until <paramref name="ready"/> holds (at most 10 s), and gives the last scrape. What
    /// the server counts once a response has gone out (a request's duration, an event sent) may be counted after the
    /// client already has the response.
    /// </summary>
    public static async Task<string> ScrapeUntilAsync(HttpClient client, Func<string, bool> ready)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var scrape = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        while (!ready(scrape) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            scrape = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        }

        return scrape;
    }

    /// <summary>
    /// Sum of every sample of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>;
    /// null when no such sample exists.
    /// </summary>
    public static double? Sum(string exposition, string metric, params (string Name, string Value)[] labels)
    {
        double? sum = null;
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith('#') || !IsSampleOf(line, metric))
            {
                continue;
            }

            if (labels.All(label => line.Contains($"{label.Name}=\"{label.Value}\"", StringComparison.Ordinal)))
            {
                // "name{labels} value [timestamp]" or "name value [timestamp]".
                var rest = line.Contains('{', StringComparison.Ordinal) ? line[(line.LastIndexOf('}') + 1)..] : line[metric.Length..];
                sum = (sum ?? 0) + double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    private static bool IsSampleOf(string line, string metric) =>
        line.StartsWith(metric, StringComparison.Ordinal) && line.Length > metric.Length && line[metric.Length] is '{' or ' ';
}
