using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> (Debian package) on a free loopback port, nothing persisted. Can be
/// stopped and started again on the same port to play an outage; killed when disposed.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly List<ConnectionMultiplexer> _lingering = [];
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(Loopback.UnusedPort());
        await server.StartProcessAsync();
        return server;
    }

    public async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException("redis-server is not installed; the cache tests need it: apt-get install -y redis-server", exception);
        }

        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilAnsweringAsync();
    }

    /// <summary>Kills the server (as a crash would): clients see their connections drop.</summary>
    public async Task StopProcessAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>A short-lived admin connection for inspecting and resetting the server (no tie-breaker GET, so command counts stay exact).</summary>
    public async Task<T> WithServerAsync<T>(Func<IServer, IDatabase, Task<T>> action)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},allowAdmin=true,tiebreaker=");
        return await action(connection.GetServer(ConnectionString), connection.GetDatabase());
    }

    public async Task FlushAsync()
    {
        foreach (var connection in _lingering)
        {
            await connection.DisposeAsync();
        }

        _lingering.Clear();
        await WithServerAsync(async (server, _) =>
        {
            await server.FlushAllDatabasesAsync();
            await server.ConfigResetStatisticsAsync();
            return true;
        });
    }

    /// <summary>Zeroes the command statistics only.</summary>
    public Task FlushStatsAsync() => WithServerAsync(async (server, _) =>
    {
        await server.ConfigResetStatisticsAsync();
        return true;
    });

    /// <summary>
    /// Makes the server hold every client's commands for a while (CLIENT PAUSE ... ALL): a Redis that is
    /// up but does not answer. It cannot be lifted early (UNPAUSE would be held too).
    /// </summary>
    public async Task PauseAsync(TimeSpan duration)
    {
        // Closing this connection now would wait for the pause to end: close it at the next flush instead.
        var connection = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},allowAdmin=true,tiebreaker=");
        _lingering.Add(connection);
        await connection.GetServer(ConnectionString).ExecuteAsync("CLIENT", "PAUSE", (long)duration.TotalMilliseconds, "ALL");
    }

    /// <summary>Every key with its value, as text.</summary>
    public Task<Dictionary<string, string>> DumpAsync() => WithServerAsync(async (server, database) =>
    {
        var dump = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var key in server.KeysAsync(pattern: "*"))
        {
            dump[key.ToString()] = (await database.StringGetAsync(key)).ToString();
        }

        return dump;
    });

    /// <summary>How many times each command ran since the last <see cref="FlushAsync"/> (INFO commandstats).</summary>
    public Task<Dictionary<string, long>> CommandCallsAsync() => WithServerAsync(async (server, _) =>
    {
        var calls = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in await server.InfoAsync("commandstats"))
        {
            foreach (var (name, value) in group)
            {
                // cmdstat_mget -> calls=3,usec=...
                var count = value.Split(',').First(part => part.StartsWith("calls=", StringComparison.Ordinal))["calls=".Length..];
                calls[name.Replace("cmdstat_", "", StringComparison.Ordinal)] = long.Parse(count, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return calls;
    });

    /// <summary>Waits (generously) until a condition on the server holds, for the gateway's background writes.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Redis never got to: {what}.");
            }

            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        foreach (var connection in _lingering)
        {
            await connection.DisposeAsync();
        }
    }

    private async Task WaitUntilAnsweringAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer);
                if (System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline || _process is null || _process.HasExited)
            {
                throw new InvalidOperationException($"redis-server did not answer on port {Port}.");
            }

            await Task.Delay(20);
        }
    }
}
