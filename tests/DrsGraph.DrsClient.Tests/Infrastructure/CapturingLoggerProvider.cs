using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DrsGraph.DrsClient.Tests.Infrastructure;

/// <summary>Records every log line at every level, with its structured values, so tests can check what was (not) logged.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}"))
                : string.Empty;
            entries.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), values, exception?.ToString()));
        }
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, string Values, string? Exception)
{
    public bool Mentions(string text) =>
        Message.Contains(text, StringComparison.Ordinal)
        || Values.Contains(text, StringComparison.Ordinal)
        || (Exception?.Contains(text, StringComparison.Ordinal) ?? false);
}
