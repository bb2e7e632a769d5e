using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DrsGraph.Gateway.Tests.Infrastructure;

/// <summary>Keeps every log entry's category, level, message, structured values and exception, as text.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public string All => string.Join('\n', _entries);

    public int Count(string fragment) => _entries.Count(e => e.Contains(fragment, StringComparison.Ordinal));

    /// <summary>Waits (10 s at most) until <paramref name="count"/> entries contain <paramref name="fragment"/>: a line written after the answer.</summary>
    public async Task WaitForAsync(string fragment, int count)
    {
        for (var waited = 0; Count(fragment) < count && waited < 10_000; waited += 50)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>Asserts no entry contains <paramref name="fragment"/>, showing the first few that do.</summary>
    public void AssertNone(string fragment)
    {
        var found = _entries.Where(e => e.Contains(fragment, StringComparison.Ordinal)).Take(3).ToList();
        Assert.True(found.Count == 0, $"{found.Count}+ log entries contain '{fragment}':\n{string.Join("\n", found)}");
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            entries.Enqueue($"{category} scope: {Describe(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} | {Describe(state)} | {exception}");

        private static string Describe(object? state) => state is IEnumerable<KeyValuePair<string, object?>> values
            ? string.Join(", ", values.Select(pair => $"{pair.Key}={pair.Value}"))
            : state?.ToString() ?? "";
    }
}
