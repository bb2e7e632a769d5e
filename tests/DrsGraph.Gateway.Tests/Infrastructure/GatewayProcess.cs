using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>
/// The real program in a process of its own (the gateway's DLL next to the tests), for what only the whole
/// program does: Program.cs's steps before the host starts (validation, the start-up warm-up's copy), which a
/// WebApplicationFactory host skips. Listens on a free loopback port; its console output is kept.
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GatewayProcess(Process process) => _process = process;

    /// <summary>Where it listens, once it does.</summary>
    public Uri BaseAddress => _listening.Task.Result;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>
    /// Its log entries so far, one string each: the simple console formatter writes "level: category[id]" and the
    /// message on the next line.
    /// </summary>
    public IEnumerable<string> Entries
    {
        get
        {
            var lines = Output.Split('\n');
            for (var i = 0; i + 1 < lines.Length; i++)
            {
                if (lines[i].Length > 5 && lines[i][4] == ':' && lines[i][..4] is "trce" or "dbug" or "info" or "warn" or "fail" or "crit")
                {
                    yield return lines[i] + lines[i + 1];
                }
            }
        }
    }

    /// <summary>Everything it wrote to the console so far (simple formatter, one entry per two lines).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the program with these command-line settings and environment, and waits until it listens; with
    /// <paramref name="openFileLimit"/>, under that open-file limit (soft and hard, through prlimit(1)).
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(string environment, IReadOnlyDictionary<string, string> settings, TimeSpan timeout, int? openFileLimit = null)
    {
        var gateway = Launch(environment, settings, openFileLimit);
        try
        {
            var address = await gateway._listening.Task.WaitAsync(timeout);
            gateway.Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            return gateway;
        }
        catch (TimeoutException)
        {
            await gateway.DisposeAsync();
            throw new TimeoutException($"The gateway did not listen within {timeout}:\n{gateway.Output}");
        }
    }

    /// <summary>Starts the program with these command-line settings and environment, without waiting for anything.</summary>
    public static GatewayProcess Launch(string environment, IReadOnlyDictionary<string, string> settings, int? openFileLimit = null)
    {
        // Through env(1), which restores SIGINT's and SIGQUIT's default action before it runs dotnet in its place: a
        // process started in the background by a non-interactive shell (as CI may start the tests) inherits them
        // ignored, and the program would then never see them.
        var start = new ProcessStartInfo("env")
        {
            ArgumentList = { "--default-signal=INT,QUIT" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["ASPNETCORE_ENVIRONMENT"] = environment, ["DOTNET_ENVIRONMENT"] = null, ["Logging__Console__FormatterName"] = "simple" },
        };
        if (openFileLimit is { } limit)
        {
            start.ArgumentList.Add("prlimit");
            start.ArgumentList.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--nofile={limit}:{limit}"));
        }

        foreach (var argument in (string[])["dotnet", Path.Combine(AppContext.BaseDirectory, "DrsGraph.Gateway.dll"), "--urls", "http://127.0.0.1:0"])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        var gateway = new GatewayProcess(Process.Start(start)!);
        gateway._process.OutputDataReceived += (_, line) => gateway.Append(line.Data);
        gateway._process.ErrorDataReceived += (_, line) => gateway.Append(line.Data);
        gateway._process.BeginOutputReadLine();
        gateway._process.BeginErrorReadLine();
        _ = gateway._process.WaitForExitAsync().ContinueWith(
            _ => gateway._listening.TrySetException(new InvalidOperationException($"The gateway exited ({gateway._process.ExitCode}):\n{gateway.Output}")),
            TaskScheduler.Default);
        return gateway;
    }

    /// <summary>Waits until the console output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited ({_process.ExitCode}) before writing \"{text}\":\n{Output}");
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The gateway did not write \"{text}\" within {timeout}:\n{Output}");
            }
        }
    }

    /// <summary>Sends the process a signal by name (TERM, INT, ...), as Kubernetes or a terminal would.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { $"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the process to exit and gives its exit code; fails when it does not within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The gateway did not exit within {timeout}:\n{Output}");
        }

        // Its last lines of output arrive after the exit itself.
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } listening)
        {
            _listening.TrySetResult(new Uri(listening.Groups[1].Value + "/"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
