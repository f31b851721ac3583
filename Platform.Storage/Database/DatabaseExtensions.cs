using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Platform.Storage.Database;

public static class DatabaseExtensions
{
    /// <summary>
    /// The service's database (one per process, so one Npgsql data source and pool), migrated at start-up in the
    /// background (a database that is down does not stop the service: data requests answer 503 until it answers),
    /// a readiness check "database", and Npgsql's traces and metrics when OpenTelemetry is on.
    /// </summary>
    public static IServiceCollection AddServiceDatabase<TDatabase>(this IServiceCollection services, Func<IServiceProvider, TDatabase> create)
        where TDatabase : ServiceDatabase
    {
        services.AddSingleton(create);
        services.AddSingleton<ServiceDatabase>(provider => provider.GetRequiredService<TDatabase>());
        services.AddHostedService<DatabaseStartup>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", HealthStatus.Degraded);
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddNpgsql());
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter("Npgsql"));
        return services;
    }
}

/// <summary>Applies the migrations at start-up; while the database does not answer, retries every 5 s and says so.</summary>
internal sealed partial class DatabaseStartup(ServiceDatabase database, ILogger<DatabaseStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await database.MigrateAsync(stoppingToken);
                return;
            }
            catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex))
            {
                LogUnavailable(database.Description, ex.Message);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "Database {Database} unavailable at start-up: {Reason}; data requests answer 503 until it answers, retrying"
    )]
    private partial void LogUnavailable(string database, string reason);
}

/// <summary>Degraded (still 200) while the database does not answer: the process lives, its data requests answer 503.</summary>
internal sealed class DatabaseHealthCheck(ServiceDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var connection = await database.OpenAsync(timeout.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy(database.Engine.ToString());
        }
        catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex) || ex is OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "not answering");
        }
    }
}
