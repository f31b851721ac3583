using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.Storage.Audit;

/// <summary>Once an hour (and at start-up), deletes audit entries older than AUDIT_RETENTION_DAYS.</summary>
public sealed partial class AuditRetention(IAuditLog audit, AuditSettings settings, TimeProvider time, ILogger<AuditRetention> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <returns>How many entries were deleted.</returns>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (settings.RetentionDays <= 0)
        {
            return 0;
        }

        var deleted = await audit.DeleteOlderThanAsync(time.GetUtcNow() - TimeSpan.FromDays(settings.RetentionDays), cancellationToken);
        if (deleted > 0)
        {
            LogDeleted(deleted, settings.RetentionDays);
        }

        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.RetentionDays <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (DbException ex)
            {
                LogFailed(ex);
            }
        } while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit retention: deleted {Count} entries older than {Days} days")]
    private partial void LogDeleted(int count, int days);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit retention run failed; retrying in an hour")]
    private partial void LogFailed(Exception exception);
}
