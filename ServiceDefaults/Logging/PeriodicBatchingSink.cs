using System.Threading.Channels;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Parsing;

namespace ServiceDefaults.Logging;

/// <summary>
/// Hands log events to a batched sink (<see cref="StandardOutputSink"/>) from one background loop that wakes on a
/// timer, every <c>period</c>, and then takes everything queued. Writing an event is one enqueue and nothing else.
/// Serilog's own batching sink instead waits on its queue between events, so at a gateway's request rates nearly
/// every request line woke its reader: a thread-pool hand-off and a few small task allocations per request, for
/// nothing (the lines still went out together). When <c>queueLimit</c> events are waiting (the output cannot keep
/// up), further events are dropped rather than slowing requests, and the next batch says how many.
/// </summary>
internal sealed class PeriodicBatchingSink : ILogEventSink, IDisposable
{
    private static readonly MessageTemplate DroppedTemplate =
        new MessageTemplateParser().Parse("{DroppedEvents} log events were dropped: the log output did not keep up");

    private readonly Channel<LogEvent> _queue;
    private readonly IBatchedLogEventSink _target;
    private readonly PeriodicTimer _timer;
    private readonly int _batchSizeLimit;
    private readonly List<LogEvent> _batch;
    private readonly Task _loop;
    private long _dropped;

    public PeriodicBatchingSink(IBatchedLogEventSink target, TimeSpan period, int queueLimit, int batchSizeLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSizeLimit, 1);
        _target = target;
        _batchSizeLimit = batchSizeLimit;
        _batch = new List<LogEvent>(batchSizeLimit + 1);
        _queue = Channel.CreateBounded<LogEvent>(new BoundedChannelOptions(queueLimit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _timer = new PeriodicTimer(period);
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(LoopAsync);
        }
    }

    /// <summary>The events dropped since the last batch (the queue was full), not yet reported.</summary>
    public long PendingDropped => Interlocked.Read(ref _dropped);

    public void Emit(LogEvent logEvent)
    {
        // TryWrite never waits: false means the queue is full (or the sink is closing).
        if (!_queue.Writer.TryWrite(logEvent))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private async Task LoopAsync()
    {
        // Disposing the timer ends the wait with false: one last drain, then the loop ends.
        while (await _timer.WaitForNextTickAsync().ConfigureAwait(false))
        {
            await DrainAsync().ConfigureAwait(false);
        }

        await DrainAsync().ConfigureAwait(false);
    }

    private async Task DrainAsync()
    {
        var dropped = Interlocked.Exchange(ref _dropped, 0);
        if (dropped > 0)
        {
            _batch.Add(new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Warning, null, DroppedTemplate,
                [new LogEventProperty("DroppedEvents", new ScalarValue(dropped)), new LogEventProperty(Constants.SourceContextPropertyName, new ScalarValue("Logging"))]));
        }

        while (true)
        {
            while (_batch.Count < _batchSizeLimit && _queue.Reader.TryRead(out var logEvent))
            {
                _batch.Add(logEvent);
            }

            if (_batch.Count == 0)
            {
                return;
            }

            try
            {
                await _target.EmitBatchAsync(_batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Nowhere left to log to: Serilog's self-log (stderr when enabled) and the batch is lost.
                SelfLog.WriteLine("Dropping {0} log events: {1}", _batch.Count, ex);
            }

            _batch.Clear();
        }
    }

    /// <summary>Writes what is queued, then stops; events emitted afterwards are dropped.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _timer.Dispose();
        try
        {
            _loop.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            SelfLog.WriteLine("The log writer ended with an error: {0}", ex);
        }

        (_target as IDisposable)?.Dispose();
    }
}
