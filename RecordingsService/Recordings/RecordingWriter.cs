using System.Threading.Channels;
using Platform.Storage;

namespace RecordingsService.Recordings;

/// <summary>
/// Durable writes with group commit: callbacks arriving together are stored in one transaction (one fsync), and
/// each caller is answered only after that commit. A failed commit fails every caller in it (a callback then goes to
/// the webhook spool).
/// </summary>
public sealed partial class RecordingWriter(IRecordingStore store, ILogger<RecordingWriter> logger) : BackgroundService
{
    private const int MaxBatch = 256;

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }
    );

    /// <returns>The recording as stored if this write changed it; null when it changed nothing (a replay or an older status).</returns>
    public async Task<Recording?> WriteAsync(Recording recording, CancellationToken cancellationToken) =>
        (await WriteAllAsync([recording], cancellationToken))[0];

    /// <summary>Queues every recording at once, so they share commits; answers when all are committed.</summary>
    public async Task<IReadOnlyList<Recording?>> WriteAllAsync(IReadOnlyList<Recording> recordings, CancellationToken cancellationToken)
    {
        var pending = new List<Task<Recording?>>(recordings.Count);
        foreach (var recording in recordings)
        {
            var item = new Pending(recording, new TaskCompletionSource<Recording?>(TaskCreationOptions.RunContinuationsAsynchronously));
            await _queue.Writer.WriteAsync(item, cancellationToken);
            pending.Add(item.Done.Task);
        }

        return await Task.WhenAll(pending);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                }

                await CommitAsync(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: whatever is still queued is answered with an error below (callbacks go to the spool).
        }

        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var left))
        {
            left.Done.TrySetException(new OperationCanceledException("The service is stopping."));
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        try
        {
            var results = await store.UpsertAsync([.. batch.Select(p => p.Recording)], CancellationToken.None);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }
        catch (Exception ex) when (DatabaseFaults.IsStoreFailure(ex))
        {
            LogCommitFailed(ex, batch.Count);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    private sealed record Pending(Recording Recording, TaskCompletionSource<Recording?> Done);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing {Count} recording(s) failed; callbacks among them go to the webhook spool")]
    private partial void LogCommitFailed(Exception exception, int count);
}
