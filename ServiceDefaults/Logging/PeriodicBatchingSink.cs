using System.Threading.Channels;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Parsing;

namespace ServiceDefaults.Logging;

/// <summary>
/// Hands log events to a batched sink (<see cref="StandardOutputSink"/>) from one background loop: woken by the
/// first event after a quiet spell, it waits a <c>period</c> for the batch to fill and then takes everything queued,
/// so it wakes at most twice a period however many lines arrive, and never when nothing is logged. Serilog's own
/// batching sink instead waits on its queue again after each event it takes, so at a gateway's request rates nearly
/// every request line woke its reader: a thread-pool hand-off and a few small task allocations per request. When
/// <c>queueLimit</c> events are waiting (the output cannot keep up), further events are dropped rather than slowing
/// requests, and the next batch says how many.
/// </summary>
internal sealed class PeriodicBatchingSink : ILogEventSink, IDisposable
{
    private static readonly MessageTemplate DroppedTemplate = new MessageTemplateParser().Parse(
        "{DroppedEvents} log events were dropped: the log output did not keep up"
    );

    private readonly Channel<LogEvent> _queue;
    private readonly IBatchedLogEventSink _target;
    private readonly TimeSpan _period;
    private readonly TimeSpan _shutdownWait;
    private readonly CancellationTokenSource _stopping = new();
    private readonly int _batchSizeLimit;
    private readonly List<LogEvent> _batch;
    private readonly Task _loop;
    private long _dropped;
    private int _disposed;

    /// <param name="shutdownWait">How long <see cref="Dispose"/> waits for the output to take the last lines (10 s).</param>
    public PeriodicBatchingSink(IBatchedLogEventSink target, TimeSpan period, int queueLimit, int batchSizeLimit, TimeSpan? shutdownWait = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSizeLimit, 1);
        _target = target;
        _batchSizeLimit = batchSizeLimit;
        _batch = new List<LogEvent>(batchSizeLimit + 1);
        _queue = Channel.CreateBounded<LogEvent>(
            new BoundedChannelOptions(queueLimit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }
        );
        _period = period;
        _shutdownWait = shutdownWait ?? TimeSpan.FromSeconds(10);
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
        try
        {
            // Idle, the loop waits for the first line; then it lets the batch fill for a period and takes everything.
            // False: the sink is closing and the queue is empty.
            while (await _queue.Reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                await Task.Delay(_period, _stopping.Token).ConfigureAwait(false);
                await DrainAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested) { }

        await DrainAsync().ConfigureAwait(false); // what is left at shutdown
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            var dropped = Interlocked.Exchange(ref _dropped, 0);
            if (dropped > 0)
            {
                _batch.Add(
                    new LogEvent(
                        DateTimeOffset.UtcNow,
                        LogEventLevel.Warning,
                        null,
                        DroppedTemplate,
                        [
                            new LogEventProperty("DroppedEvents", new ScalarValue(dropped)),
                            new LogEventProperty(Constants.SourceContextPropertyName, new ScalarValue("Logging")),
                        ]
                    )
                );
            }

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

    /// <summary>
    /// Writes what is queued, then stops; events emitted afterwards are dropped. Waits at most the shutdown wait
    /// for the output (a standard output nobody reads must not keep a stopping process alive).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        _stopping.Cancel();
        try
        {
            if (!_loop.Wait(_shutdownWait))
            {
                SelfLog.WriteLine("The log output did not take the last lines within {0}; stopping without them", _shutdownWait);
                return; // the loop still holds the target and the token source: leave both to the process's end
            }
        }
        catch (AggregateException ex)
        {
            SelfLog.WriteLine("The log writer ended with an error: {0}", ex.InnerException);
        }

        _stopping.Dispose();
        (_target as IDisposable)?.Dispose();
    }
}
