using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;

namespace Gateway.Proxy;

/// <summary>
/// A service cluster's state as detail of the gateway's readiness: Degraded (still 200) while it has no healthy
/// destination, since the gateway itself still serves everything else (the dashboard, sign-in when only the
/// recordings are down) and answers that cluster's routes 503 with Retry-After. Taking the gateway out of its
/// balancer for a service's outage would take every route with it. Reports counts, never addresses.
/// </summary>
internal sealed class ClusterHealthCheck(IProxyStateLookup proxy, string clusterId) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!proxy.TryGetCluster(clusterId, out var cluster))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("not configured"));
        }

        var state = cluster.DestinationsState;
        var description = $"{state.AvailableDestinations.Count} of {state.AllDestinations.Count} destinations healthy";
        return Task.FromResult(
            state.AvailableDestinations.Count > 0
                ? HealthCheckResult.Healthy(description)
                : HealthCheckResult.Degraded(description + ": its requests are answered 503")
        );
    }
}
