using System.Globalization;

namespace DrsGraph.Gateway.Tests.Operations;

/// <summary>Reads the Prometheus text exposition format just enough to sum a metric's samples.</summary>
public static class PrometheusText
{
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
