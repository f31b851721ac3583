using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace Gateway.Tests.Infrastructure;

/// <summary>Collects every log event the host writes, rendered as text with all properties.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    public IReadOnlyList<LogEvent> Events => _events.ToArray();

    /// <summary>Each event as its message plus every property value, so a secret anywhere in it shows.</summary>
    public string AllText() =>
        string.Join(
            '\n',
            _events.Select(e => e.RenderMessage() + " " + string.Join(' ', e.Properties.Select(p => $"{p.Key}={p.Value}")) + " " + e.Exception)
        );
}
