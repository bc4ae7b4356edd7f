using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>Keeps every log record written through it, with its structured fields, for tests to inspect.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _records = new();

    public IReadOnlyList<CapturedLog> Records => [.. _records];

    /// <summary>Every message and field value, to search for things that must never be logged.</summary>
    public string AllText => string.Join("\n", _records.Select(r =>
        $"{r.Category} {r.Message} {r.Exception} {string.Join(" ", r.Fields.Select(f => $"{f.Key}={f.Value}"))}"));

    /// <summary>Each record as one line: 'category/event|message|fields|exception'.</summary>
    public IReadOnlyCollection<string> Lines => [.. _records.Select(r =>
        $"{r.Category}/{r.EventId}|{r.Message}|{string.Join(";", r.Fields.Select(f => $"{f.Key}={f.Value}"))}|{r.Exception}")];

    /// <summary>Lines that contain <paramref name="secret"/>, named by category and event only, so that an assertion message does not print the secret.</summary>
    public List<string> LinesContaining(string secret) =>
        [.. Lines.Where(l => l.Contains(secret, StringComparison.Ordinal)).Select(l => l.Split('|')[0])];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.Where(p => p.Key != "{OriginalFormat}").ToDictionary(p => p.Key, p => p.Value)
                : [];
            owner._records.Enqueue(new CapturedLog(category, logLevel, eventId.Id, formatter(state, exception), exception?.ToString(), fields));
        }
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, int EventId, string Message, string? Exception, Dictionary<string, object?> Fields);
