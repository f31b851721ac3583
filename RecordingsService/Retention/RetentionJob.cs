using Platform.Storage;
using RecordingsService.Audit;
using RecordingsService.Configuration;
using RecordingsService.Recordings;
using RecordingsService.Twilio;

namespace RecordingsService.Retention;

/// <summary>
/// With RECORDING_RETENTION_DAYS &gt; 0, once an hour: recordings that started longer ago are deleted at Twilio and
/// marked deleted here, each audited. One that Twilio refuses to delete is left for the next run. With several
/// replicas on one PostgreSQL database, one runs it at a time (the others skip that hour's run).
/// </summary>
internal sealed partial class RetentionJob(
    RecordingsSettings settings,
    IRecordingStore store,
    RecordingChanges changes,
    Storage.RecordingsDatabase database,
    TimeProvider time,
    ILogger<RetentionJob> logger
) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <returns>How many recordings were deleted.</returns>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (settings.RetentionDays <= 0)
        {
            return 0;
        }

        var deleted = 0;
        if (!await database.TryRunExclusiveAsync("recording-retention", async cancel => deleted = await DeleteDueAsync(cancel), cancellationToken))
        {
            LogSkipped();
        }

        return deleted;
    }

    private async Task<int> DeleteDueAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(settings.RetentionDays);
        var deleted = 0;
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var due = (await store.OlderThanAsync(cutoff, 100 + skipped.Count, cancellationToken)).Where(r => !skipped.Contains(r.Sid)).ToList();
            if (due.Count == 0)
            {
                break;
            }

            foreach (var recording in due)
            {
                var deletion = new Deletion(RecordingAuditActions.RetentionDelete, "retention", null, $"older than {settings.RetentionDays} days");
                if (!(await changes.DeleteAsync(recording, deletion, cancellationToken)).RecordedHere)
                {
                    // Retried next run: Twilio deletes again, or answers 404 for one already gone, and it is recorded then.
                    skipped.Add(recording.Sid);
                    continue;
                }

                deleted++;
            }
        }

        if (deleted > 0 || skipped.Count > 0)
        {
            LogRun(deleted, skipped.Count, settings.RetentionDays);
        }

        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.RetentionDays <= 0)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when ((DatabaseFaults.IsStoreFailure(ex) && !stoppingToken.IsCancellationRequested) || ex is HttpRequestException)
            {
                LogFailed(ex);
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Retention: deleted {Deleted} recording(s) older than {Days} days; {Skipped} left for the next run"
    )]
    private partial void LogRun(int deleted, int skipped, int days);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording retention: another replica is running it; skipped this run")]
    private partial void LogSkipped();

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention run failed; retrying in an hour")]
    private partial void LogFailed(Exception exception);
}
