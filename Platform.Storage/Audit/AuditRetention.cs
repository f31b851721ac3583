using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDefaults.Configuration;

namespace Platform.Storage.Audit;

/// <summary>AUDIT_RETENTION_DAYS: audit entries older than this are deleted (0 keeps them all).</summary>
public sealed record AuditSettings(int RetentionDays)
{
    public static AuditSettings Read(SettingsReader reader) => new(reader.Number("AUDIT_RETENTION_DAYS", 90, 0, 36_500));
}

/// <summary>Once an hour (and at start-up), deletes audit entries older than AUDIT_RETENTION_DAYS.</summary>
public sealed partial class AuditRetention(IAuditLog audit, AuditSettings settings, TimeProvider time, ILogger<AuditRetention> logger) : BackgroundService
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
            catch (SqliteException ex)
            {
                LogFailed(ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
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

public static class AuditExtensions
{
    /// <summary>The audit in the service's SQLite database, kept for AUDIT_RETENTION_DAYS.</summary>
    public static IServiceCollection AddSqliteAudit<TDatabase>(this IServiceCollection services, AuditSettings settings)
        where TDatabase : SqliteDatabase
    {
        services.AddSingleton(settings);
        services.AddSingleton<IAuditLog>(provider => new SqliteAuditLog(provider.GetRequiredService<TDatabase>().OpenAsync, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<AuditRetention>();
        services.AddHostedService(provider => provider.GetRequiredService<AuditRetention>());
        return services;
    }
}
