namespace RecordingsService.Audit;

/// <summary>
/// What is counted rather than written one row at a time: a background loop calls <see cref="FlushAsync"/> once a
/// minute and once more when the service stops, so a busy minute costs one transaction, however many events it saw.
/// </summary>
public abstract class MinuteAudit(TimeProvider time) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>Where counts go once a minute holds more distinct sources than a batch keeps.</summary>
    public const string ManySources = "(many sources)";

    /// <summary>Writes what was counted since the last flush.</summary>
    public abstract Task FlushAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last minute's counts are written below.
        }

        await FlushAsync(CancellationToken.None);
    }
}
