using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace ServiceDefaults.Logging;

/// <summary>
/// Log lines to standard output, written a batch at a time from Serilog's background batching queue: one write
/// per batch instead of one per line (the console sink writes and flushes every event, a system call per
/// request at the gateway's request rates). Formatting happens on the batching thread, never on a request.
/// </summary>
internal sealed class StandardOutputSink(ITextFormatter formatter, Stream output) : IBatchedLogEventSink, IDisposable
{
    private readonly StreamWriter _writer = new(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024)
    {
        AutoFlush = false,
    };

    public StandardOutputSink(ITextFormatter formatter)
        : this(formatter, Console.OpenStandardOutput()) { }

    public async Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
    {
        foreach (var logEvent in batch)
        {
            formatter.Format(logEvent, _writer);
        }

        await _writer.FlushAsync().ConfigureAwait(false);
    }

    public Task OnEmptyBatchAsync() => Task.CompletedTask;

    public void Dispose() => _writer.Dispose();
}
