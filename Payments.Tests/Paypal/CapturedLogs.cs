using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Payments.Tests.Paypal;

/// <summary>Every log line written through it, formatted, with its event id: to check what is logged and what never is.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public sealed record Line(string Category, int EventId, LogLevel Level, string Message);

    private readonly ConcurrentQueue<Line> _lines = new();

    public IReadOnlyList<Line> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<Line> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new Line(category, eventId.Id, logLevel, formatter(state, exception) + (exception is null ? "" : " " + exception)));
    }
}
