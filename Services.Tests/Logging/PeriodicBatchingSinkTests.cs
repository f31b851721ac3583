using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;
using ServiceDefaults.Logging;

namespace Services.Tests.Logging;

/// <summary>The queue between a request's log line and standard output, with a target that records what it is given.</summary>
public sealed class PeriodicBatchingSinkTests
{
    private static readonly MessageTemplate Template = new MessageTemplateParser().Parse("line {N}");

    [Fact]
    public async Task Events_ReachTheTarget_InOrder_WithinAFewPeriods()
    {
        var target = new RecordingTarget();
        using var sink = new PeriodicBatchingSink(target, TimeSpan.FromMilliseconds(10), queueLimit: 100, batchSizeLimit: 10);

        for (var n = 1; n <= 25; n++)
        {
            sink.Emit(Line(n));
        }

        await Wait.UntilAsync(() => target.Lines.Count == 25, TimeSpan.FromSeconds(5), "all 25 lines are written");
        Assert.Equal(Enumerable.Range(1, 25), target.Lines);
        Assert.All(target.BatchSizes, size => Assert.InRange(size, 1, 10));
    }

    [Fact]
    public async Task OutputThatCannotKeepUp_DropsTheOverflow_AndTheNextBatchSaysHowMany()
    {
        var target = new RecordingTarget { Blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        using var sink = new PeriodicBatchingSink(target, TimeSpan.FromMilliseconds(10), queueLimit: 3, batchSizeLimit: 1);

        sink.Emit(Line(1));
        await target.Entered.Task.WaitAsync(TimeSpan.FromSeconds(5)); // line 1 is being written, and the write hangs
        for (var n = 2; n <= 7; n++)
        {
            sink.Emit(Line(n)); // 2–4 fit in the queue, 5–7 do not
        }

        Assert.Equal(3, sink.PendingDropped);
        target.Blocked.SetResult();

        await Wait.UntilAsync(
            () => target.Warnings.Count == 1 && target.Lines.Count == 4,
            TimeSpan.FromSeconds(5),
            "the queued lines and the drop are written"
        );
        Assert.Equal([1, 2, 3, 4], target.Lines);
        Assert.Equal(LogEventLevel.Warning, target.Warnings[0].Level);
        Assert.Equal("3", target.Warnings[0].Properties["DroppedEvents"].ToString());
        Assert.Equal(0, sink.PendingDropped);
    }

    [Fact]
    public void Dispose_WritesWhatIsQueued_AndDisposesTheTarget()
    {
        var target = new RecordingTarget();
        var sink = new PeriodicBatchingSink(target, TimeSpan.FromHours(1), queueLimit: 100, batchSizeLimit: 10);
        for (var n = 1; n <= 15; n++)
        {
            sink.Emit(Line(n));
        }

        sink.Dispose();

        Assert.Equal(Enumerable.Range(1, 15), target.Lines);
        Assert.True(target.Disposed);
    }

    [Fact]
    public async Task Dispose_WithAnOutputThatNeverTakesTheLines_GivesUpAfterTheShutdownWait()
    {
        var target = new RecordingTarget { Blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var sink = new PeriodicBatchingSink(
            target,
            TimeSpan.FromMilliseconds(10),
            queueLimit: 100,
            batchSizeLimit: 10,
            shutdownWait: TimeSpan.FromMilliseconds(300)
        );
        sink.Emit(Line(1));
        await target.Entered.Task.WaitAsync(TimeSpan.FromSeconds(5));

        var disposing = Task.Run(sink.Dispose);

        Assert.Same(disposing, await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromSeconds(5))));
        Assert.False(target.Disposed, "the hung write still holds the target");
        target.Blocked.SetResult();
    }

    [Fact]
    public async Task AFailingTarget_LosesThatBatch_ButTheSinkKeepsWriting()
    {
        var target = new RecordingTarget { FailNext = true };
        using var sink = new PeriodicBatchingSink(target, TimeSpan.FromMilliseconds(10), queueLimit: 100, batchSizeLimit: 10);

        sink.Emit(Line(1));
        await Wait.UntilAsync(() => !target.FailNext, TimeSpan.FromSeconds(5), "the failing write is attempted");
        sink.Emit(Line(2));

        await Wait.UntilAsync(() => target.Lines.Contains(2), TimeSpan.FromSeconds(5), "the next line is written");
        Assert.DoesNotContain(1, target.Lines);
    }

    private static LogEvent Line(int n) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Information, null, Template, [new LogEventProperty("N", new ScalarValue(n))]);

    private sealed class RecordingTarget : IBatchedLogEventSink, IDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<int> _lines = [];
        private readonly List<LogEvent> _warnings = [];
        private readonly List<int> _batchSizes = [];

        public TaskCompletionSource? Blocked { get; init; }
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public volatile bool FailNext;
        public bool Disposed { get; private set; }

        public IReadOnlyList<int> Lines
        {
            get
            {
                lock (_gate)
                {
                    return [.. _lines];
                }
            }
        }
        public IReadOnlyList<LogEvent> Warnings
        {
            get
            {
                lock (_gate)
                {
                    return [.. _warnings];
                }
            }
        }
        public IReadOnlyList<int> BatchSizes
        {
            get
            {
                lock (_gate)
                {
                    return [.. _batchSizes];
                }
            }
        }

        public async Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
        {
            Entered.TrySetResult();
            if (Blocked is not null)
            {
                await Blocked.Task;
            }

            if (FailNext)
            {
                FailNext = false;
                throw new IOException("Broken pipe");
            }

            lock (_gate)
            {
                _batchSizes.Add(batch.Count);
                foreach (var logEvent in batch)
                {
                    if (logEvent.Properties.TryGetValue("N", out var n))
                    {
                        _lines.Add((int)((ScalarValue)n).Value!);
                    }
                    else
                    {
                        _warnings.Add(logEvent);
                    }
                }
            }
        }

        public Task OnEmptyBatchAsync() => Task.CompletedTask;

        public void Dispose() => Disposed = true;
    }
}
