using Microsoft.Extensions.DependencyInjection;

namespace Platform.Storage.Audit;

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
