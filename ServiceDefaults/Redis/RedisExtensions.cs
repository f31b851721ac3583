using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ServiceDefaults.Redis;

public static class RedisExtensions
{
    /// <summary>
    /// When REDIS_URL is set: one multiplexer for the process (connecting in the background, so a Redis that is down
    /// does not stop the process), and a readiness check "redis" that turns Degraded (still 200) while it is not
    /// connected. Nothing is registered without it.
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
            multiplexer.ConnectionFailed += (_, e) => RedisLog.Lost(logger, settings.Description, e.FailureType.ToString());
            multiplexer.ConnectionRestored += (_, _) => RedisLog.Restored(logger, settings.Description);
            return multiplexer;
        });
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", HealthStatus.Degraded);
        return services;
    }
}

internal sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(redis.IsConnected ? HealthCheckResult.Healthy("connected") : new HealthCheckResult(context.Registration.FailureStatus, "not connected: each process falls back to its own state"));
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
