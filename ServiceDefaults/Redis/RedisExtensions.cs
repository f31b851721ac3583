using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace ServiceDefaults.Redis;

public static class RedisExtensions
{
    /// <summary>Meter of the Redis connection: <c>redis.connected</c> (1 or 0) and <c>redis.connection_failures</c>.</summary>
    public const string MeterName = Telemetry.TelemetryExtensions.MeterPrefix + "Redis";

    /// <summary>
    /// When REDIS_URL is set: one multiplexer for the process (connecting in the background, so a Redis that is down
    /// does not stop the process), a readiness check "redis" that turns Degraded (still 200) while it is not
    /// connected, the connection's metrics, and a span per command when traces are exported. Nothing is registered
    /// without it.
    /// </summary>
    public static IServiceCollection AddRedis(this IServiceCollection services, RedisSettings? settings)
    {
        if (settings is null)
        {
            return services;
        }

        services.AddSingleton(settings);
        services.AddSingleton<IConnectionMultiplexer>(provider =>
        {
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("ServiceDefaults.Redis");
            var multiplexer = ConnectionMultiplexer.Connect(settings.Options);
            RedisLog.Connecting(logger, settings.Description, multiplexer.IsConnected);
            var meter = provider.GetRequiredService<IMeterFactory>().Create(MeterName);
            meter.CreateObservableGauge(
                "redis.connected",
                () => multiplexer.IsConnected ? 1 : 0,
                description: "1 while this process is connected to Redis, else 0"
            );
            var failures = meter.CreateCounter<long>("redis.connection_failures", description: "Connections to Redis lost or refused");
            multiplexer.ConnectionFailed += (_, e) =>
            {
                failures.Add(1);
                RedisLog.Lost(logger, settings.Description, e.FailureType.ToString());
            };
            multiplexer.ConnectionRestored += (_, _) => RedisLog.Restored(logger, settings.Description);
            return multiplexer;
        });
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", HealthStatus.Degraded);
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddRedisInstrumentation());
        return services;
    }
}

internal sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            redis.IsConnected
                ? HealthCheckResult.Healthy("connected")
                : new HealthCheckResult(context.Registration.FailureStatus, "not connected: each process falls back to its own state")
        );
}

internal static partial class RedisLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Redis {Redis}: connected at start-up: {Connected}")]
    public static partial void Connecting(ILogger logger, string redis, bool connected);

    [LoggerMessage(Level = LogLevel.Error, Message = "Redis {Redis} lost ({Failure}); falling back to this process's own state until it answers")]
    public static partial void Lost(ILogger logger, string redis, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis {Redis} answers again")]
    public static partial void Restored(ILogger logger, string redis);
}
