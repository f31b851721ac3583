using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Tls.SessionTickets;

/// <summary>
/// Readiness check "tls-session-tickets": Healthy with the key's name and source; Degraded (still 200), with the
/// reason, when the key is not shared.
/// </summary>
internal sealed class SharedTicketKeysHealthCheck(SharedTicketKeys keys) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (shared, description) = keys.State;
        return Task.FromResult(
            shared ? HealthCheckResult.Healthy(description) : new HealthCheckResult(context.Registration.FailureStatus, description)
        );
    }
}
