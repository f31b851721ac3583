using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Security.Revocation;

public static class RevocationExtensions
{
    /// <summary>
    /// Registers <see cref="RevokedSessions"/> and the follower that fills it from the AuthService's feed, with a
    /// readiness check ("revocation-feed") that turns Degraded when the feed has not been read for three intervals.
    /// </summary>
    public static IServiceCollection AddRevocationFeed(this IServiceCollection services, RevocationFeedOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<RevokedSessions>();
        services.AddHttpClient(RevocationFeedFollower.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(5));
        services.AddSingleton<RevocationFeedFollower>();
        services.AddHostedService(provider => provider.GetRequiredService<RevocationFeedFollower>());
        services.AddHealthChecks().AddCheck<RevocationFeedHealthCheck>("revocation-feed", HealthStatus.Degraded);
        // With REDIS_URL (AddRedis registered a multiplexer), revocations are also pushed: applied within a second.
        services.AddHostedService<RevocationSubscriber>();
        return services;
    }

    /// <summary>The feed's default address: the JWKS origin's <c>/internal/revocations</c>.</summary>
    public static Uri DefaultFeedUrl(Uri jwksUrl) => new(jwksUrl, "/internal/revocations");
}

/// <summary>Degraded (still 200) when revocations may be missed: the feed has not been read for three poll intervals.</summary>
internal sealed class RevocationFeedHealthCheck(RevocationFeedFollower follower, RevocationFeedOptions options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var last = follower.LastSuccess;
        return Task.FromResult(
            last is not null && time.GetUtcNow() - last.Value <= options.PollInterval * 3
                ? HealthCheckResult.Healthy("read recently")
                : new HealthCheckResult(context.Registration.FailureStatus, last is null ? "not read yet" : $"last read {last.Value:u}")
        );
    }
}
