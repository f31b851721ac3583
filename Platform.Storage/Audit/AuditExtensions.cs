using Microsoft.Extensions.DependencyInjection;
using Platform.Storage.Database;

namespace Platform.Storage.Audit;

public static class AuditExtensions
{
    /// <summary>The audit in the service's database, kept for AUDIT_RETENTION_DAYS.</summary>
    public static IServiceCollection AddAudit<TDatabase>(this IServiceCollection services, AuditSettings settings)
        where TDatabase : ServiceDatabase
    {
        services.AddSingleton(settings);
        services.AddSingleton<IAuditLog>(provider => new AuditLog(
            provider.GetRequiredService<TDatabase>(),
            provider.GetRequiredService<TimeProvider>()
        ));
        services.AddSingleton<AuditRetention>();
        services.AddHostedService(provider => provider.GetRequiredService<AuditRetention>());
        return services;
    }
}
