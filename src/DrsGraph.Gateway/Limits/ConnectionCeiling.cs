using System.Globalization;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace DrsGraph.Gateway.Limits;

/// <summary>
/// The most connections the gateway holds at once (<c>Gateway:Limits:MaxConnections</c>), WebSockets and event streams
/// included: past it a new connection is closed as it is accepted, with one log line a second at most. Kestrel takes
/// any number by default and each holds a file descriptor. One client holding 1 100 idle connections to a gateway with
/// an open-file limit of 1 024 left it unable to load an assembly it had not loaded yet ("Could not load file or
/// assembly 'Microsoft.AspNetCore.WebUtilities'" in a type initializer, which fails for good), so it answered nothing
/// after the client let go; with a limit of 20 000 and 22 000 connections the runtime itself died ("Fatal error.
/// Internal CLR error"). Unless set, the ceiling is derived from the process's open-file limit, leaving room for what
/// the process opens itself (its assemblies, about 300 descriptors at rest, DRS and Redis connections, files), or from
/// its memory limit when that allows fewer.
/// </summary>
public sealed partial class ConnectionCeiling
{
    /// <summary>The setting, as logs and warnings name it.</summary>
    public const string Setting = QueryLimitOptions.SectionName + ":" + nameof(QueryLimitOptions.MaxConnections);

    /// <summary>The ceiling when neither the open-file limit nor the memory limit can be read.</summary>
    public const int Fallback = 10_000;

    private readonly int _max;
    private readonly string _source;
    private readonly ILogger<ConnectionCeiling> _logger;
    private readonly Observability.LineBudget _lines = new(1);
    private int _open;

    public ConnectionCeiling(IOptions<QueryLimitOptions> options, ILogger<ConnectionCeiling> logger)
    {
        _logger = logger;
        OpenFiles = OpenFileLimit();
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (options.Value.MaxConnections is { } configured)
        {
            (_max, _source) = (configured, "as set");
        }
        else if (OpenFiles is { } openFiles && (memory <= 0 || Derived(openFiles) <= ForMemory(memory)))
        {
            (_max, _source) = (Derived(openFiles), string.Create(CultureInfo.InvariantCulture, $"from the open-file limit {openFiles}"));
        }
        else if (memory > 0)
        {
            (_max, _source) = (ForMemory(memory), string.Create(CultureInfo.InvariantCulture, $"from the memory limit {memory >> 20} MB"));
        }
        else
        {
            (_max, _source) = (Fallback, "the default: no open-file or memory limit could be read");
        }
    }

    /// <summary>The connections this replica holds at most.</summary>
    public int Max => _max;

    /// <summary>The process's open-file limit (soft), or null when it cannot be read or there is none.</summary>
    public long? OpenFiles { get; }

    /// <summary>
    /// What a process whose open-file limit is <paramref name="openFiles"/> may spend on connections: all but an eighth of
    /// it, leaving at least 512 for the process's own files (its assemblies alone hold about 300) but never more than half.
    /// </summary>
    public static int Derived(long openFiles)
    {
        var reserve = Math.Min(Math.Max(openFiles / 8, 512), openFiles / 2);
        return (int)Math.Clamp(openFiles - reserve, 1, int.MaxValue);
    }

    /// <summary>
    /// What a process with <paramref name="memoryBytes"/> for the GC (a container's memory limit) may spend on
    /// connections: a quarter of it at 8 KiB each (an idle connection measured about 5 KB: 15 000 of them, 70 MB). A
    /// container's open-file limit is often a million, which 512 MiB of memory could never hold.
    /// </summary>
    public static int ForMemory(long memoryBytes) => (int)Math.Clamp(memoryBytes / 4 / 8192, 64, int.MaxValue);

    /// <summary>Kestrel's connection middleware: counts each connection for its whole life, upgraded or not.</summary>
    public ConnectionDelegate Guard(ConnectionDelegate next) => async connection =>
    {
        var open = Interlocked.Increment(ref _open);
        try
        {
            if (open > _max)
            {
                // As Kestrel's own limit does: no answer (on a TLS endpoint there is no HTTP to write yet), the
                // transport closed at once, so the descriptor is given back now.
                Refused(open - 1);
                connection.Transport.Input.Complete();
                connection.Transport.Output.Complete();
                return;
            }

            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    };

    private void Refused(int open)
    {
        Observability.GatewayTelemetry.ConnectionsRefused.Add(1);
        if (_lines.TryTake(out var unlogged))
        {
            LogRefused(_logger, open, Setting, _max, _source, unlogged);
        }
    }

    /// <summary>The soft <c>RLIMIT_NOFILE</c> from <c>/proc/self/limits</c> ("Max open files  20000  20000  files").</summary>
    public static long? OpenFileLimit(string path = "/proc/self/limits")
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var parts = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return parts.Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) && soft > 0 ? soft : null;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or no /proc: the fallback.
        }

        return null;
    }

    [LoggerMessage(EventId = 170, Level = LogLevel.Warning, Message = "Connection refused: {Open} connections are open, the ceiling {Setting}={Max} ({Source}); {Unlogged} more refused since the last such line")]
    private static partial void LogRefused(ILogger logger, int open, string setting, int max, string source, long unlogged);
}
